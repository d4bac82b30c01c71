using Baton.Core.Autoscaling.Anomalies;
using Baton.Server.Hosting;
using Baton.Server.Notifications;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Autoscaling;

/// <summary>
/// Publishes <c>autoscale.scaled</c> and <c>anomaly.detected</c> to the system admins' tenant (<c>default</c>), where
/// webhooks and the events stream pick them up; an anomaly about one tenant is published to that tenant as well.
/// Anomalies are also recorded for <c>baton autoscale anomalies</c>. Never throws: an alert that fails to publish
/// must not undo a scaling decision.
/// </summary>
public sealed class AutoscaleEvents(IBatonStore store, TenantEventPublisher publisher, ILogger<AutoscaleEvents> logger)
{
    private string? _systemTenantId;

    public async Task ScaledAsync(NewAutoscaleDecision decision, CancellationToken ct)
    {
        try
        {
            if (await SystemTenantAsync(ct) is not { } tenant) return;
            await publisher.PublishAsync(tenant, TenantEventTypes.AutoscaleScaled, decision.Target, new
            {
                target = decision.Target,
                from = decision.FromReplicas,
                to = decision.ToReplicas,
                rule = decision.Rule,
                explanation = decision.Explanation,
                forecastReplicas = decision.ForecastReplicas,
                at = decision.At,
                replica = decision.Replica,
            }, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Publishing autoscale.scaled for {Target} failed", decision.Target);
        }
    }

    public async Task AnomaliesAsync(string target, IReadOnlyList<Anomaly> anomalies, CancellationToken ct)
    {
        try
        {
            await store.Autoscale.AddAnomaliesAsync([.. anomalies.Select(a => new NewAnomaly(target, a.At, a.Kind, a.Subject, a.Value, a.Usual, a.Score, a.Detail))], ct);
            var system = await SystemTenantAsync(ct);
            foreach (var anomaly in anomalies.Where(a => a.Kind != AnomalyKinds.Spike))
            {
                var payload = new
                {
                    target,
                    kind = anomaly.Kind,
                    subject = anomaly.Subject,
                    value = anomaly.Value,
                    usual = anomaly.Usual,
                    score = double.IsFinite(anomaly.Score) ? anomaly.Score : (double?)null,
                    detail = anomaly.Detail,
                    at = anomaly.At,
                };
                if (system is not null) await publisher.PublishAsync(system, TenantEventTypes.AnomalyDetected, anomaly.Subject, payload, ct);
                // A tenant hears about its own outlier or failure storm too.
                if (anomaly.Kind is AnomalyKinds.TenantOutlier or AnomalyKinds.FailureStorm && anomaly.Subject != system
                    && await store.Tenants.GetAsync(anomaly.Subject, ct) is not null)
                {
                    await publisher.PublishAsync(anomaly.Subject, TenantEventTypes.AnomalyDetected, anomaly.Subject, payload, ct);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Recording anomalies of {Target} failed", target);
        }
    }

    private async Task<string?> SystemTenantAsync(CancellationToken ct) =>
        _systemTenantId ??= (await store.Tenants.GetByNameAsync(Bootstrapper.DefaultTenantName, ct))?.Id;
}
