namespace Baton.Server.WorkItems;

/// <summary>Work-item queues and child jobs (<c>Baton:Server:WorkItems:…</c>).</summary>
public sealed class WorkItemOptions
{
    /// <summary>How long a claimed item stays leased without a renewal; the agent renews every third of it while the job runs.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest payload (and output) of one item, in bytes of JSON.</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>How deep child jobs may nest: a job started by a job started by … at most this many levels below the first.</summary>
    public int MaxChildDepth { get; set; } = 5;

    /// <summary>How long a queue trigger's slot waits after its job ended before it starts another (a consumer that ends without taking items).</summary>
    public TimeSpan TriggerRestartDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The same after a job that failed or timed out (a consumer that crashes is not restarted every tick).</summary>
    public TimeSpan TriggerFailureDelay { get; set; } = TimeSpan.FromSeconds(60);

    public string? Check() =>
        Lease < TimeSpan.FromSeconds(1) ? "WorkItems:Lease must be at least 1 second."
        : MaxPayloadBytes < 1024 ? "WorkItems:MaxPayloadBytes must be at least 1024."
        : MaxChildDepth < 1 ? "WorkItems:MaxChildDepth must be at least 1."
        : TriggerRestartDelay < TimeSpan.Zero || TriggerFailureDelay < TimeSpan.Zero ? "WorkItems:TriggerRestartDelay and TriggerFailureDelay must not be negative."
        : null;
}
