using Baton.Core.AgentProtocol;

namespace Baton.Agent.Jobs;

/// <summary>
/// One attempt's log: numbers lines from 1, timestamps them with the TimeProvider, masks the job's credential
/// secrets, truncates over-long lines and keeps them until the server acknowledges them. Thread-safe.
/// </summary>
public sealed class JobLog(TimeProvider timeProvider)
{
    public const int MaxLineChars = 16 * 1024;
    public const int BatchSize = 500;
    private const int NoteRoom = 64;
    /// <summary>Characters waiting to be sent beyond which the output pump waits (about 32 MB of strings).</summary>
    public const long MaxPendingChars = 16L * 1024 * 1024;
    /// <summary>Characters of text per batch sent to the server.</summary>
    public const int MaxBatchChars = 1024 * 1024;
    private const int TailLines = 20;

    private readonly Lock _lock = new();
    private readonly List<AgentLogLine> _pending = [];
    private readonly Queue<string> _stderrTail = new();
    private readonly Queue<string> _setupTail = new();
    private TaskCompletionSource _backlog = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _room = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _pendingChars;
    private bool _closed;
    private long _nextLine = 1;

    /// <summary>Secrets replaced by <c>***</c> in every line appended from now on.</summary>
    public SecretMask Mask { get; } = new();

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
        text = Mask.Apply(text);
        // A line the output reader already cut carries its note past the limit; anything else longer is cut here.
        if (text.Length > MaxLineChars + NoteRoom)
            text = string.Concat(text.AsSpan(0, MaxLineChars), " …[truncated]");
        lock (_lock)
        {
            if (_closed)
                return;
            _pendingChars += text.Length;
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
            {
                _pendingChars -= _pending[count].Text.Length;
                count++;
            }
            _pending.RemoveRange(0, count);
            if (_pendingChars <= MaxPendingChars)
                _room.TrySetResult();
        }
    }

    /// <summary>
    /// Stops taking lines and drops what is pending: the server will not take more (the job's log limit is
    /// reached, or the attempt is no longer ours). Output read afterwards is discarded, never held.
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _pending.Clear();
            _pendingChars = 0;
            _room.TrySetResult();
            _backlog.TrySetResult();
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
                return _closed;
        }
    }

    /// <summary>
    /// Completes while fewer than <see cref="MaxPendingChars"/> characters wait to be sent: the output
    /// pump awaits it, so a job out-printing the server's intake is slowed instead of the agent buffering it.
    /// </summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_closed || _pendingChars <= MaxPendingChars)
                return Task.CompletedTask;
            if (_room.Task.IsCompleted)
                _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task.WaitAsync(cancellationToken);
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
