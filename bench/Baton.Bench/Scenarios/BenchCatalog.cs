namespace Baton.Bench.Scenarios;

/// <summary>Every scenario by name, including those that wait on features not built yet.</summary>
public static class BenchCatalog
{
    public static IReadOnlyList<IBenchScenario> Available { get; } =
    [
        new DispatchScenario(),
        new AgentsScenario(),
        new ConcurrencyScenario(),
        new ApiScenario(),
        new DeployScenario(),
    ];

    /// <summary>Named in the plan, not runnable yet: fairness needs fair share between tenants.</summary>
    public static IReadOnlyDictionary<string, string> NotAvailable { get; } = new Dictionary<string, string>
    {
        ["fairness"] = "tenant A floods 10,000 jobs, then tenant B submits 100: tenant B's wait (needs fair share between tenants)",
    };

    public static IBenchScenario? Find(string name) =>
        Available.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
