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
    ];

    /// <summary>Named in the plan, not runnable yet: they need queues and fair share (fairness) and package prefetch (deploy).</summary>
    public static IReadOnlyDictionary<string, string> NotAvailable { get; } = new Dictionary<string, string>
    {
        ["fairness"] = "tenant A floods 10,000 jobs, then tenant B submits 100: tenant B's wait (needs fair share between tenants)",
        ["deploy"] = "publish a package version, time until 100 agents have it cached (needs package prefetch)",
    };

    public static IBenchScenario? Find(string name) =>
        Available.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
