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
        new FairnessScenario(),
        new DeployScenario(),
        new OverloadScenario(),
        new MetricsScenario(),
        new PythonScenario(),
        new StorageScenario(),
    ];

    /// <summary>Named in the plan, not runnable yet (none today).</summary>
    public static IReadOnlyDictionary<string, string> NotAvailable { get; } = new Dictionary<string, string>
    {
    };

    public static IBenchScenario? Find(string name) =>
        Available.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
