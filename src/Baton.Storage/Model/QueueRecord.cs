namespace Baton.Storage.Model;

/// <summary>A tenant's named queue. <see cref="MaxConcurrency"/> null is unlimited.</summary>
public sealed record QueueRecord(string TenantId, string Name, int Priority, int? MaxConcurrency, bool Paused, DateTimeOffset CreatedAt)
{
    /// <summary>Every tenant has this queue; it is created with the tenant and cannot be deleted.</summary>
    public const string DefaultName = "default";
}

/// <summary>A partial update of a queue; null keeps the value, <see cref="ClearMaxConcurrency"/> makes it unlimited.</summary>
public sealed record QueueUpdate(int? Priority = null, int? MaxConcurrency = null, bool ClearMaxConcurrency = false, bool? Paused = null);

public enum QueueCreateResult
{
    Created,
    NameTaken,
    QuotaExceeded,
}
