using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Notifications;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// The notifier role: turns new tenant events into webhook deliveries (persisted before any attempt,
/// the webhook's cursor advanced in the same transaction), then sends due deliveries, retrying
/// failures with exponential backoff and jitter until they succeed or run out of attempts or time.
/// Safe in several replicas: fan-out locks the webhooks it advances and claims lease each delivery
/// to one sender (FOR UPDATE SKIP LOCKED on PostgreSQL). At least once: a sender that dies after
/// sending but before recording leaves the delivery to be sent again, with the same Baton-Delivery id.
/// </summary>
public sealed class NotifierService(
    IBatonStore store,
    WebhookSender sender,
    Secrets.WebhookSecrets secrets,
    WakeUpSignals signals,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<NotifierService> logger) : BackgroundService
{
    private const int FanOutWebhooks = 100;
    private const int FanOutEvents = 500;

    private WebhookOptions Settings => options.Value.Webhooks;

    private RetryPolicy Retry => _retry ??= new RetryPolicy(Settings.RetryBaseDelay, Settings.RetryMaxDelay);
    private RetryPolicy? _retry;
    private DateTimeOffset _lastClaim = DateTimeOffset.MinValue;
    private bool _lastClaimFull;

    /// <summary>
    /// Rounds woken by new events are at least this far apart: under a stream of job endings one round fans out
    /// a batch of events (and sequences them on PostgreSQL) instead of one round, and its transactions, per event.
    /// </summary>
    public static readonly TimeSpan MinRoundInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastRound = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var wakeUp = signals.Subscribe(TenantEventPublisher.NotifierTopic);
            var busy = false;
            try
            {
                var sinceLast = time.GetUtcNow() - lastRound;
                if (sinceLast < MinRoundInterval) await Task.Delay(MinRoundInterval - sinceLast, time, stoppingToken);
                lastRound = time.GetUtcNow();
                busy = await RunRoundAsync(claimAnyway: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Webhook delivery round failed; retrying at the next interval");
            }
            if (busy) continue;
            try
            {
                await wakeUp.WaitAsync(Settings.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: fan out, then send one batch of due deliveries. True when a full batch was sent (more may be due).</summary>
    public Task<bool> RunOnceAsync(CancellationToken ct) => RunRoundAsync(claimAnyway: true, ct);

    /// <summary>
    /// A round woken by new events claims due deliveries only when its fan-out created some, the last claim came back full,
    /// or <see cref="WebhookOptions.PollInterval"/> has passed since the last claim. Deliveries come due from a fan-out (this
    /// replica's is claimed in the same round, another's on that replica), a retry's time or a lapsed lease (found within a
    /// poll interval, as on an idle server): a claim after every round of job endings, 10 a second, found nothing new.
    /// </summary>
    private async Task<bool> RunRoundAsync(bool claimAnyway, CancellationToken ct)
    {
        var created = await store.Webhooks.FanOutAsync(FanOutWebhooks, FanOutEvents, ct);
        var now = time.GetUtcNow();
        if (!claimAnyway && created == 0 && !_lastClaimFull && now - _lastClaim < Settings.PollInterval) return false;
        _lastClaim = now;
        var claimed = await store.Webhooks.ClaimDueAsync(Settings.BatchSize, Settings.Lease, ct);
        _lastClaimFull = claimed.Count == Settings.BatchSize;
        if (claimed.Count == 0) return false;
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Settings.BatchSize, CancellationToken = ct },
            async (delivery, token) => await AttemptAsync(delivery, token));
        return claimed.Count == Settings.BatchSize;
    }

    private async Task AttemptAsync(ClaimedDelivery claimed, CancellationToken ct)
    {
        var delivery = claimed.Delivery;
        WebhookSendOutcome outcome;
        try
        {
            var secret = await secrets.RevealAsync(delivery.TenantId, delivery.WebhookId, claimed.Secret, ct);
            outcome = await sender.SendAsync(claimed with { Secret = secret }, ct);
        }
        catch (Core.Secrets.SecretUnavailableException e)
        {
            // Nothing is sent unsigned: the attempt fails and is retried (a missing master key may be added meanwhile).
            logger.LogError("Webhook delivery {DeliveryId}: the signing secret cannot be read: {Reason}", delivery.Id, e.Message);
            outcome = new WebhookSendOutcome(false, null, "the webhook's signing secret cannot be read on this server: " + e.Message, 0);
        }
        DateTimeOffset? next = null;
        if (!outcome.Delivered)
        {
            var at = time.GetUtcNow() + Retry.DelayAfter(delivery.Attempts);
            var spent = delivery.Attempts >= Settings.MaxAttempts || at - delivery.CreatedAt > Settings.MaxAge;
            next = spent ? null : at;
            if (spent)
            {
                logger.LogWarning("Webhook delivery {DeliveryId} ({EventType}) to {Url} given up after {Attempts} attempts: {Error}",
                    delivery.Id, delivery.EventType, claimed.Url, delivery.Attempts, outcome.Error);
            }
        }
        var recorded = await store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(
            delivery.Id, claimed.LeaseToken, outcome.Delivered, outcome.StatusCode, Truncate(outcome.Error), outcome.DurationMs, next), CancellationToken.None);
        if (!recorded)
        {
            logger.LogWarning("Webhook delivery {DeliveryId}: the lease ran out before the attempt was recorded; another notifier owns it", delivery.Id);
        }
    }

    private static string? Truncate(string? text) => text is { Length: > 1000 } ? text[..1000] + "…" : text;
}
