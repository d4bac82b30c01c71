using Baton.Agent.Protocol;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>
/// Sends a <see cref="JobLog"/> to the server every flush interval or as soon as a full batch of
/// 500 lines is waiting. Unsent lines stay in the log and are resent after a failure (the server
/// ignores line numbers it already has). Honours CancelRequested and stops on a stale attempt.
/// </summary>
public sealed class JobLogShipper : IAsyncDisposable
{
    /// <param name="progress">The job's latest progress when it changed since the last batch sent, else null.</param>
    /// <param name="heartbeat">The job called <c>baton.heartbeat()</c> since the last batch sent: the server renews its lease.</param>
    public delegate Task<AppendLogsResponse> LogSender(
        IReadOnlyList<AgentLogLine> lines, JobProgressReport? progress, bool heartbeat, CancellationToken cancellationToken);

    private readonly JobLog _log;
    private readonly LogSender _send;
    private readonly JobControl _control;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly Backoff _backoff;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _failures;
    private JobProgressReport? _sentProgress;

    public JobLogShipper(JobLog log, LogSender send, JobControl control, TimeSpan interval, TimeProvider timeProvider, Backoff backoff, ILogger logger)
    {
        _log = log;
        _send = send;
        _control = control;
        _interval = interval;
        _timeProvider = timeProvider;
        _backoff = backoff;
        _logger = logger;
    }

    /// <summary>True once the server answered 409: the attempt is no longer ours.</summary>
    public bool Stale { get; private set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Stops the periodic loop and sends everything still pending, retrying until it is sent,
    /// the attempt turns out stale, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        await StopLoopAsync();
        while (!Stale && _log.PendingCount > 0)
        {
            if (!await SendOneBatchAsync(cancellationToken))
                await Task.Delay(_backoff.DelayFor(_failures), _timeProvider, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the periodic loop and hands over everything still pending to travel with the job's completion,
    /// or null when there is more than <paramref name="max"/> lines (then <see cref="FlushAllAsync"/> sends them) or the attempt is stale.
    /// </summary>
    public async Task<IReadOnlyList<AgentLogLine>?> TakeForCompletionAsync(int max)
    {
        await StopLoopAsync();
        if (Stale || _log.PendingCount > max)
            return null;
        return _log.PeekBatch(max);
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync();
        _stop.Dispose();
    }

    private async Task StopLoopAsync()
    {
        if (!_stop.IsCancellationRequested)
            await _stop.CancelAsync();
        if (_loop is not null)
            await _loop;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested && !Stale)
            {
                var delay = _failures > 0 ? _backoff.DelayFor(_failures) : _interval;
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var timer = Task.Delay(delay, _timeProvider, wake.Token);
                var backlog = _failures > 0 ? Task.Delay(Timeout.Infinite, wake.Token) : _log.WaitForBacklogAsync(wake.Token);
                await Task.WhenAny(timer, backlog);
                await wake.CancelAsync();
                if (stop.IsCancellationRequested)
                    return;
                // New progress travels at once, with lines or alone: the poll that also carries it may be held for many seconds.
                while ((_log.PendingCount > 0 || ProgressChanged || _control.HeartbeatPending) && !Stale && await SendOneBatchAsync(stop))
                {
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private bool ProgressChanged => _control.Progress is { } progress && !progress.Equals(_sentProgress);

    /// <summary>Sends the oldest pending batch (and changed progress); false when the server was unreachable (lines kept).</summary>
    private async Task<bool> SendOneBatchAsync(CancellationToken cancellationToken)
    {
        var batch = _log.PeekBatch();
        var progress = _control.Progress;
        var newProgress = progress is not null && !progress.Equals(_sentProgress) ? progress : null;
        var heartbeat = _control.TakeHeartbeat();
        if (batch.Count == 0 && newProgress is null && !heartbeat)
            return true;
        try
        {
            var response = await _send(batch, newProgress, heartbeat, cancellationToken);
            if (newProgress is not null)
                _sentProgress = newProgress;
            if (batch.Count > 0)
                _log.Acknowledge(batch[^1].Line);
            _failures = 0;
            if (response.CancelRequested)
                _control.RequestStop(JobStopReason.Cancel);
            if (response.LogLimitReached && !_log.IsClosed)
            {
                // The server stores no more of this job's output (it said where it was cut): stop holding and sending it.
                _logger.LogInformation("The job's log reached its limit on the server; further output is discarded");
                _log.Close();
            }
            return true;
        }
        catch (StaleAttemptException ex)
        {
            _logger.LogWarning("The server refused log lines ({Reason}); this attempt is no longer ours", ex.Message);
            Stale = true;
            _log.Close();
            _control.RequestStop(JobStopReason.Abandon);
            return false;
        }
        catch (ProtocolRequestException ex)
        {
            // Retrying the same batch cannot succeed; drop it rather than block the job's log forever.
            _logger.LogError("The server refused a log batch ({Reason}); dropping {Count} lines", ex.Message, batch.Count);
            _sentProgress = newProgress ?? _sentProgress;
            if (batch.Count > 0)
                _log.Acknowledge(batch[^1].Line);
            return true;
        }
        catch (ServerUnavailableException ex)
        {
            if (heartbeat)
                _control.RequestHeartbeat();
            _failures++;
            if (_failures == 1 || _failures % 10 == 0)
                _logger.LogWarning("Could not send logs ({Failures} times): {Reason}; keeping {Pending} lines", _failures, ex.Message, _log.PendingCount);
            return false;
        }
    }
}
