namespace Baton.Server.Metrics;

/// <summary>Metrics settings, bound from <c>Baton:Server:Metrics</c> (env: <c>BATON__SERVER__METRICS__…</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Per-request and per-store-call instrumentation and the <c>/metrics</c> and <c>/api/v1/system/metrics</c>
    /// endpoints. Off, the server measures nothing on its hot paths (used to measure what instrumentation costs); the
    /// fleet figures stay readable in process (<see cref="MetricReader"/>) for the autoscaler.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How old the fleet figures read from the store may be before a reader asks for a new read.</summary>
    public TimeSpan FleetMaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// While the fleet figures are read (scrapes, the autoscaler), read them again before they reach
    /// <see cref="FleetMaxAge"/>, so readers do not wait for the store. Off, a reader that finds them expired waits.
    /// </summary>
    public bool FleetRefreshAhead { get; set; } = true;

    /// <summary>How many tenants keep their own <c>tenant</c> label (the most active ones); the rest are <c>_other</c>.</summary>
    public int TenantLabelLimit { get; set; } = 20;

    /// <summary>How many agents keep their own <c>agent</c> label in the jobs-run-per-agent figure (the busiest).</summary>
    public int AgentLabelLimit { get; set; } = 10;

    /// <summary>
    /// When set, <c>GET /metrics</c> needs <c>Authorization: Bearer &lt;token&gt;</c> (Prometheus: <c>authorization:
    /// credentials</c>). Unset, it answers anyone who can reach the port, as Prometheus exporters usually do.
    /// </summary>
    public string? ScrapeToken { get; set; }
}
