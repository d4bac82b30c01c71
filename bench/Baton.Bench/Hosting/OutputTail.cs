namespace Baton.Bench.Hosting;

/// <summary>The last lines a child process wrote (stdout and stderr interleaved), kept for error messages.</summary>
public sealed class OutputTail(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity) _lines.Dequeue();
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _lines.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _lines);
        }
    }
}
