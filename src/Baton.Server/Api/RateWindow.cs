namespace Baton.Server.Api;

/// <summary>Events over the last whole second (this second and the one before, weighted), lock-free.</summary>
internal sealed class RateWindow
{
    private long _second;
    private long _current;
    private long _previous;

    public void Add()
    {
        Roll(Environment.TickCount64 / 1000);
        Interlocked.Increment(ref _current);
    }

    public double PerSecond()
    {
        var now = Environment.TickCount64;
        Roll(now / 1000);
        var elapsed = now % 1000 / 1000.0;
        return Interlocked.Read(ref _current) + Interlocked.Read(ref _previous) * (1 - elapsed);
    }

    private void Roll(long second)
    {
        var seen = Interlocked.Read(ref _second);
        if (second == seen || Interlocked.CompareExchange(ref _second, second, seen) != seen) return;
        var last = Interlocked.Exchange(ref _current, 0);
        Interlocked.Exchange(ref _previous, second == seen + 1 ? last : 0);
    }
}
