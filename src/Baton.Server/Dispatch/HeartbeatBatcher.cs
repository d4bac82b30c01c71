using System.Threading.Channels;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch;

/// <summary>
/// Collects agent heartbeats (each poll is one) and writes them in one batch per tick
/// (STYLE.md practice 7) instead of one statement per agent per poll.
/// </summary>
public sealed class HeartbeatBatcher(
    IBatonStore store,
    IOptions<ServerOptions> options,
    ILogger<HeartbeatBatcher> logger) : BackgroundService
{
    private readonly Channel<AgentHeartbeat> _pending = Channel.CreateUnbounded<AgentHeartbeat>(
        new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(AgentHeartbeat heartbeat) => _pending.Writer.TryWrite(heartbeat);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.HeartbeatFlushInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _pending.Reader.WaitToReadAsync(stoppingToken);
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await FlushAsync(CancellationToken.None);
        }
        await FlushAsync(CancellationToken.None);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new Dictionary<string, AgentHeartbeat>();
        while (_pending.Reader.TryRead(out var heartbeat))
        {
            // The newest report of an agent supersedes older ones in the same tick,
            // except that capability updates are kept.
            if (batch.TryGetValue(heartbeat.AgentId, out var earlier))
            {
                heartbeat = heartbeat with
                {
                    Capabilities = heartbeat.Capabilities ?? earlier.Capabilities,
                    Resources = heartbeat.Resources ?? earlier.Resources,
                    // A progress report (one job, from a log call) must not drop the lease renewals of a poll's report.
                    Running = [.. heartbeat.Running, .. earlier.Running.Where(e => !heartbeat.Running.Any(r => r.JobId == e.JobId))],
                };
            }
            batch[heartbeat.AgentId] = heartbeat;
        }
        if (batch.Count == 0) return;
        try
        {
            var back = await store.Agents.RecordHeartbeatsAsync([.. batch.Values], options.Value.AgentTtl, cancellationToken);
            foreach (var agentId in back) logger.LogInformation("Agent {AgentId} is online again", agentId);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Writing {Count} heartbeats failed; they will be renewed by the next polls", batch.Count);
        }
    }
}
