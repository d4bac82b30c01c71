using System.Threading.Channels;
using Baton.Server.Hosting;
using Baton.Storage.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Baton.Server.Dispatch;

/// <summary>
/// Carries wake-ups between replicas over PostgreSQL LISTEN/NOTIFY: a job submitted on replica A
/// wakes the agent polls waiting on replica B within milliseconds. Signals raised here are
/// published on <see cref="Channel"/>; notifications from other replicas (and the store's own
/// job-ready notifications) wake local waiters. Losing a notification only costs latency: waiting
/// polls re-check the database every <see cref="ServerOptions.DispatchPollInterval"/>.
/// </summary>
public sealed class PostgresWakeUpBridge(
    WakeUpSignals signals,
    IOptions<ServerOptions> options,
    ILogger<PostgresWakeUpBridge> logger) : BackgroundService
{
    public const string Channel = "baton_wakeup";

    private readonly string _replicaId = Guid.NewGuid().ToString("N")[..12];
    private readonly Channel<string> _outbox = System.Threading.Channels.Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void Forward(string topic) => _outbox.Writer.TryWrite(topic);
        signals.Published += Forward;
        stoppingToken.Register(() => signals.Published -= Forward);
        return Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings.PostgresListen ?? settings.Postgres);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {PostgresBatonStore.JobReadyChannel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                logger.LogInformation("Listening for cross-replica wake-ups");
                backoff = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The LISTEN connection failed; reconnecting in {Delay} (polls keep working meanwhile)", backoff);
                await Task.Delay(backoff, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private void OnNotification(string channel, string payload)
    {
        if (channel == PostgresBatonStore.JobReadyChannel)
        {
            signals.SignalLocal(WakeUpSignals.TenantWork(payload));
            return;
        }
        var bar = payload.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || payload.AsSpan(0, bar).SequenceEqual(_replicaId)) return;
        signals.SignalLocal(payload[(bar + 1)..]);
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var dataSource = NpgsqlDataSource.Create(settings.Postgres!);
        var batch = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 500 && _outbox.Reader.TryRead(out var topic)) batch.Add($"{_replicaId}|{topic}");
                try
                {
                    await using var command = dataSource.CreateCommand($"SELECT pg_notify('{Channel}', t) FROM unnest(@topics) AS t;");
                    command.Parameters.AddWithValue("topics", batch.ToArray());
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "Publishing {Count} wake-up(s) failed; other replicas will find the work on their next poll", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
