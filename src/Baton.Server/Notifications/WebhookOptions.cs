namespace Baton.Server.Notifications;

/// <summary>Webhook delivery settings, bound from <c>Baton:Server:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>Allow targets in loopback, private, link-local, CGNAT and other non-public ranges (off: the SSRF guard refuses them).</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>CIDR ranges allowed even though they are not public (e.g. <c>10.20.0.0/16</c> for an internal receiver).</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>One attempt's limit, connect to response.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxAttempts { get; set; } = 20;

    /// <summary>A delivery not delivered this long after it was created is given up.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the notifier looks for new events and due deliveries without a wake-up.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A claimed delivery belongs to its notifier this long (then another replica may retry it).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries claimed per round and sent in parallel.</summary>
    public int BatchSize { get; set; } = 32;
}
