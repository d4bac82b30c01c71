using System.Globalization;
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
/// A replica publishes only while another replica listens (<see cref="ReplicaPeers"/>: replicas say hello on the
/// channel): a notification is a transaction of its own, and a lone replica's would reach nobody.
/// </summary>
public sealed class PostgresWakeUpBridge(
    WakeUpSignals signals,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<PostgresWakeUpBridge> logger) : BackgroundService
{
    public const string Channel = "baton_wakeup";

    /// <summary>How long signals gather before they travel (a latency of its own for other replicas' waiters only).</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(10);

    private const string Hello = "hello";

    private readonly string _replicaId = Guid.NewGuid().ToString("N")[..12];
    private readonly SemaphoreSlim _greet = new(0);
    private readonly Channel<(string Topic, int Count)> _outbox = System.Threading.Channels.Channel.CreateBounded<(string Topic, int Count)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>The other replicas heard lately; wake-ups are published only while there is one.</summary>
    public ReplicaPeers Peers { get; } = new(time);

    /// <summary>Notifying transactions sent so far, hellos included (diagnostics, tests).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    private long _notifications;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void Forward(string topic, int count)
        {
            // Nobody to tell: the signal stays local (it was raised locally already).
            if (Peers.Any) _outbox.Writer.TryWrite((topic, count));
        }
        signals.Published += Forward;
        stoppingToken.Register(() => signals.Published -= Forward);
        return RunAsync(stoppingToken);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // One pool for both notifiers. Nothing is left on the session: no DISCARD ALL each time a connection goes back.
        await using var dataSource = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(options.Value.Postgres!) { NoResetOnClose = true }.ConnectionString);
        await Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(dataSource, stoppingToken), GreetAsync(dataSource, stoppingToken));
    }

    public override void Dispose()
    {
        _greet.Dispose();
        base.Dispose();
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
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                logger.LogInformation("Listening for cross-replica wake-ups");
                // Now that its answers can be heard: hello, so the replicas already running learn of this one.
                _greet.Release();
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
        if (channel != Channel) return;
        if (TryParseHello(payload, out var greeting))
        {
            if (greeting != _replicaId && Peers.Heard(greeting)) _greet.Release();
            return;
        }
        if (!TryParse(payload, out var replica, out var topic, out var count) || replica == _replicaId) return;
        // A replica that sends wake-ups is present too (and one not heard of before is greeted, so it hears of this one).
        if (Peers.Heard(replica)) _greet.Release();
        signals.SignalLocal(topic, count);
    }

    /// <summary>A replica's hello: <c>replica|hello</c>.</summary>
    public static string FormatHello(string replica) => $"{replica}|{Hello}";

    public static bool TryParseHello(string payload, out string replica)
    {
        var parts = payload.Split('|');
        replica = parts.Length == 2 && parts[0].Length > 0 && parts[1] == Hello ? parts[0] : "";
        return replica.Length > 0;
    }

    /// <summary>A notification's payload: <c>replica|count|topic</c>, the count <c>*</c> for every waiter.</summary>
    public static string Format(string replica, string topic, int count) =>
        $"{replica}|{(count == WakeUpSignals.All ? "*" : count.ToString(CultureInfo.InvariantCulture))}|{topic}";

    public static bool TryParse(string payload, out string replica, out string topic, out int count)
    {
        replica = topic = "";
        count = 0;
        var parts = payload.Split('|', 3);
        if (parts.Length != 3 || parts[0].Length == 0 || parts[2].Length == 0) return false;
        if (parts[1] == "*") count = WakeUpSignals.All;
        else if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0) return false;
        replica = parts[0];
        topic = parts[2];
        return true;
    }

    /// <summary>Two counted signals of a topic add up; a signal for every waiter stays one.</summary>
    public static int Merge(int first, int second) =>
        first == WakeUpSignals.All || second == WakeUpSignals.All ? WakeUpSignals.All : (int)Math.Min((long)first + second, WakeUpSignals.All - 1);

    private async Task PublishAsync(NpgsqlDataSource dataSource, CancellationToken stoppingToken)
    {
        // Signals of one batch are merged per topic (counts added), so a burst of submissions is one notification per tenant.
        var batch = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(stoppingToken))
            {
                // A few milliseconds for a burst to gather: at most one notifying transaction per interval, however busy.
                await Task.Delay(PublishInterval, stoppingToken);
                batch.Clear();
                while (batch.Count < 500 && _outbox.Reader.TryRead(out var signal))
                {
                    batch[signal.Topic] = batch.TryGetValue(signal.Topic, out var earlier) ? Merge(earlier, signal.Count) : signal.Count;
                }
                // The last peer may have gone while the batch gathered.
                if (batch.Count == 0 || !Peers.Any) continue;
                var payloads = batch.Select(pair => Format(_replicaId, pair.Key, pair.Value)).ToArray();
                try
                {
                    await NotifyAsync(dataSource, payloads, stoppingToken);
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

    /// <summary>Says hello when the LISTEN starts, to each replica not heard of before, and every <see cref="ReplicaPeers.HelloInterval"/>.</summary>
    private async Task GreetAsync(NpgsqlDataSource dataSource, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _greet.WaitAsync(ReplicaPeers.HelloInterval, stoppingToken);
                while (_greet.CurrentCount > 0) await _greet.WaitAsync(0, stoppingToken);
                try
                {
                    await NotifyAsync(dataSource, [FormatHello(_replicaId)], stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "Saying hello to other replicas failed; trying again in {Interval}", ReplicaPeers.HelloInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task NotifyAsync(NpgsqlDataSource dataSource, string[] payloads, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT pg_notify('{Channel}', t) FROM unnest(@topics) AS t;");
        command.Parameters.AddWithValue("topics", payloads);
        await command.ExecuteNonQueryAsync(cancellationToken);
        Interlocked.Increment(ref _notifications);
    }
}
