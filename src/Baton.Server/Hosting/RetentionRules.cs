namespace Baton.Server.Hosting;

/// <summary>The start-up rules for the retention settings (checked with the other options, before the server listens).</summary>
public static class RetentionRules
{
    public const string Message =
        "Retention: HistoryRetention and DeliveryRetention must be at least 1 hour, AuditRetention at least 1 day, " +
        "RetentionInterval between 1 minute and 1 day, and DeliveryRetention longer than Webhooks:MaxAge (a delivery still retrying is never removed, but its history would be).";

    /// <summary>Null when the settings are valid; else which one is wrong.</summary>
    public static string? Check(ServerOptions options)
    {
        if (options.HistoryRetention < TimeSpan.FromHours(1)) return nameof(ServerOptions.HistoryRetention);
        if (options.DeliveryRetention < TimeSpan.FromHours(1) || options.DeliveryRetention <= options.Webhooks.MaxAge) return nameof(ServerOptions.DeliveryRetention);
        if (options.AuditRetention < TimeSpan.FromDays(1)) return nameof(ServerOptions.AuditRetention);
        if (options.RetentionInterval < TimeSpan.FromMinutes(1) || options.RetentionInterval > TimeSpan.FromDays(1)) return nameof(ServerOptions.RetentionInterval);
        return null;
    }
}
