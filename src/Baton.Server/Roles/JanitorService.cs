using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// The janitor role: marks silent agents offline and expires the leases of jobs whose agent
/// stopped renewing them, so the jobs run again elsewhere (or fail when their attempts are spent).
/// Safe with several replicas: each step is a conditional update in the store.
/// </summary>
public sealed class JanitorService(
    IBatonStore store,
    WakeUpSignals signals,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<JanitorService> logger) : BackgroundService
{
    private const int MaxWorkItemLeasesPerSweep = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.JanitorInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Janitor sweep failed; retrying next tick");
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var silentSince = time.GetUtcNow() - options.Value.AgentTtl;
        foreach (var agent in await store.Agents.MarkSilentAgentsOfflineAsync(silentSince, cancellationToken))
        {
            logger.LogWarning("Agent {AgentName} ({AgentId}) went offline: no heartbeat since {LastHeartbeat}", agent.Name, agent.Id, agent.LastHeartbeatAt);
            Notifications.TenantEventPublisher.Announce(signals, agent.TenantId);
        }

        foreach (var expired in await store.Jobs.ExpireLeasesAsync(cancellationToken))
        {
            logger.LogWarning("Lease of job {JobId} attempt {Attempt} on agent {AgentId} expired; job is now {State}",
                expired.JobId, expired.Attempt, expired.AgentId, expired.NewState);
            signals.Signal(WakeUpSignals.TenantWork(expired.TenantId), 1);
            signals.Signal(WakeUpSignals.JobLogs(expired.JobId));
            // Should the agent come back, its next poll reads what it holds and is told to abandon this attempt.
            if (expired.AgentId is { } agentId) signals.Signal(WakeUpSignals.Agent(agentId));
            if (expired.NewState.IsTerminal()) Notifications.TenantEventPublisher.Announce(signals, expired.TenantId);
        }

        // Work items whose job stopped renewing their lease (a killed agent, a crashed job) go back to their queue.
        var settled = await store.WorkItems.ExpireLeasesAsync(MaxWorkItemLeasesPerSweep, cancellationToken);
        if (settled > 0) logger.LogInformation("{Count} work item lease(s) expired; the items went back to their queues (or failed, attempts spent)", settled);
    }

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
