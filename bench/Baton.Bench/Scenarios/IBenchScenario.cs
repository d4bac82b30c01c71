using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

public interface IBenchScenario
{
    string Name { get; }

    string Description { get; }

    Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken);
}
