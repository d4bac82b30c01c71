using System.Collections.Concurrent;
using System.Text.Json;
using Baton.Server.Dispatch;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Notifications;

/// <summary>
/// Publishing a tenant event is one call: it is appended to the tenant's event log (the outbox the
/// notifier fans out to webhooks and the events stream reads), then the stream and the notifier are
/// woken. Events that belong to a store transaction (job endings, agent liveness) are appended by the
/// store itself; <see cref="Announce"/> only wakes readers for those.
/// </summary>
public sealed class TenantEventPublisher(IBatonStore store, WakeUpSignals signals, TimeProvider time, ILogger<TenantEventPublisher> logger)
{
    /// <summary>At most one <c>quota.reached</c> per tenant and quota in this window, across replicas.</summary>
    public static readonly TimeSpan QuotaAlertWindow = TimeSpan.FromHours(1);

    /// <summary>The wake-up topic of the notifier role.</summary>
    public const string NotifierTopic = "notifier";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<(string TenantId, string Quota), DateTimeOffset> _quotaAlerts = new();

    /// <summary>The wake-up topic of a tenant's events stream.</summary>
    public static string Topic(string tenantId) => "events:" + tenantId;

    /// <summary>Appends an event (<paramref name="payload"/> serialised as camelCase JSON) and wakes its readers.</summary>
    public async Task<TenantEventRecord?> PublishAsync(
        string tenantId, string type, string subjectId, object payload, CancellationToken ct, TimeSpan? onceWithin = null)
    {
        var appended = await store.Events.AppendAsync(
            new NewTenantEvent(tenantId, type, subjectId, JsonSerializer.SerializeToElement(payload, Json)), onceWithin, ct);
        if (appended is not null) Announce(tenantId);
        return appended;
    }

    /// <summary>Wakes the tenant's stream readers and the notifier (after a store wrote events itself).</summary>
    public void Announce(string tenantId) => Announce(signals, tenantId);

    /// <summary>Wakes the tenant's stream readers and the notifier, for code that has only the signals.</summary>
    public static void Announce(WakeUpSignals signals, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(signals);
        signals.Signal(Topic(tenantId));
        signals.Signal(NotifierTopic);
    }

    /// <summary>For the scheduler: a schedule that paused itself after failing runs.</summary>
    public Task<TenantEventRecord?> ScheduleAutoPausedAsync(
        string tenantId, string scheduleId, string scheduleName, int consecutiveFailures, string reason, CancellationToken ct) =>
        PublishAsync(tenantId, TenantEventTypes.ScheduleAutoPaused, scheduleId,
            new { scheduleId, name = scheduleName, consecutiveFailures, reason, pausedAt = time.GetUtcNow() }, ct);

    /// <summary>
    /// A quota refused something. At most one event per tenant and quota per <see cref="QuotaAlertWindow"/>
    /// (a memory check spares the database on a flood of refusals; the store decides across replicas).
    /// Never throws: failing to record the alert must not change the refusal.
    /// </summary>
    public async Task QuotaReachedAsync(TenantRecord tenant, string quota, double limit, string detail)
    {
        var key = (tenant.Id, quota);
        var now = time.GetUtcNow();
        if (_quotaAlerts.TryGetValue(key, out var last) && now - last < QuotaAlertWindow) return;
        _quotaAlerts[key] = now;
        try
        {
            await PublishAsync(tenant.Id, TenantEventTypes.QuotaReached, quota,
                new { quota, limit, detail, tenantName = tenant.Name }, CancellationToken.None, QuotaAlertWindow);
        }
        catch (Exception ex)
        {
            _quotaAlerts.TryRemove(key, out _);
            logger.LogWarning(ex, "Recording quota.reached ({Quota}) for tenant {TenantId} failed", quota, tenant.Id);
        }
    }
}
