using Baton.Core.AgentProtocol;

namespace Baton.Agent.Jobs;

/// <summary>
/// One attempt's log: numbers lines from 1, timestamps them with the TimeProvider, truncates
/// over-long lines and keeps them until the server acknowledges them. Thread-safe.
/// </summary>
public sealed class JobLog(TimeProvider timeProvider)
{
    public const int MaxLineChars = 16 * 1024;
    public const int BatchSize = 500;
    /// <summary>Characters of text per batch sent to the server.</summary>
    public const int MaxBatchChars = 1024 * 1024;
    private const int TailLines = 20;

    private readonly Lock _lock = new();
    private readonly List<AgentLogLine> _pending = [];
    private readonly Queue<string> _stderrTail = new();
    private readonly Queue<string> _setupTail = new();
    private TaskCompletionSource _backlog = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextLine = 1;

    public long LinesWritten
    {
        get
        {
            lock (_lock)
                return _nextLine - 1;
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_lock)
                return _pending.Count;
        }
    }

    public void Append(string stream, string text)
    {
        if (text.Length > MaxLineChars)
            text = string.Concat(text.AsSpan(0, MaxLineChars), " …[truncated]");
        lock (_lock)
        {
            _pending.Add(new AgentLogLine(_nextLine++, timeProvider.GetUtcNow(), stream, text));
            var tail = stream switch { "stderr" => _stderrTail, "setup" => _setupTail, _ => null };
            if (tail is not null)
            {
                tail.Enqueue(text);
                if (tail.Count > TailLines)
                    tail.Dequeue();
            }

            if (_pending.Count >= BatchSize)
                _backlog.TrySetResult();
        }
    }

    /// <summary>The last ~20 lines written to a stream (stderr for tracebacks, setup for pip failures).</summary>
    public string Tail(string stream)
    {
        lock (_lock)
            return string.Join('\n', stream == "setup" ? _setupTail : _stderrTail);
    }

    /// <summary>
    /// The oldest unacknowledged lines: at most <paramref name="max"/>, and at most <see cref="MaxBatchChars"/>
    /// characters (at least one line), so a batch stays well within the server's body limit for logs.
    /// </summary>
    public IReadOnlyList<AgentLogLine> PeekBatch(int max = BatchSize)
    {
        lock (_lock)
        {
            var batch = new List<AgentLogLine>(Math.Min(max, _pending.Count));
            long chars = 0;
            foreach (var line in _pending)
            {
                if (batch.Count == max || (batch.Count > 0 && chars + line.Text.Length > MaxBatchChars))
                    break;
                batch.Add(line);
                chars += line.Text.Length;
            }

            return batch;
        }
    }

    /// <summary>Drops every pending line numbered up to <paramref name="lastLine"/>.</summary>
    public void Acknowledge(long lastLine)
    {
        lock (_lock)
        {
            var count = 0;
            while (count < _pending.Count && _pending[count].Line <= lastLine)
                count++;
            _pending.RemoveRange(0, count);
        }
    }

    /// <summary>Completes when at least a batch of lines is waiting.</summary>
    public Task WaitForBacklogAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_pending.Count >= BatchSize)
                return Task.CompletedTask;
            if (_backlog.Task.IsCompleted)
                _backlog = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _backlog.Task.WaitAsync(cancellationToken);
        }
    }
}
