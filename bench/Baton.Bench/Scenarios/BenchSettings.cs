namespace Baton.Bench.Scenarios;

/// <summary>Run-wide settings: quick mode and optional overrides of a scenario's defaults.</summary>
public sealed record BenchSettings(
    bool Quick = false,
    int? Agents = null,
    int? Jobs = null,
    double? Rate = null,
    TimeSpan? Duration = null,
    int? Tenants = null)
{
    public int AgentsOr(int full, int quick) => Agents ?? (Quick ? quick : full);

    public int JobsOr(int full, int quick) => Jobs ?? (Quick ? quick : full);

    public double RateOr(double full, double quick) => Rate ?? (Quick ? quick : full);

    public int TenantsOr(int full, int quick) => Tenants ?? (Quick ? quick : full);

    public TimeSpan DurationOr(TimeSpan full, TimeSpan quick) => Duration ?? (Quick ? quick : full);
}
