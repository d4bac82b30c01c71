using System.Diagnostics.Metrics;
using Baton.Storage.Model;

namespace Baton.Storage.Postgres;

/// <summary>
/// The connection pools of one store, as Npgsql itself reports them on its <c>Npgsql</c> meter
/// (<c>db.client.connection.count</c> by state, <c>db.client.connection.max</c>, pending requests), read on demand.
/// Npgsql reports every pool of the process on the same instruments; the pool name tells ours apart (several stores
/// live in one test process).
/// </summary>
internal sealed class PostgresPoolStatistics : IDisposable
{
    private const string ConnectionCount = "db.client.connection.count";
    private const string ConnectionMax = "db.client.connection.max";
    private const string PendingRequests = "db.client.connection.npgsql.pending_requests";

    private readonly HashSet<string> _pools;
    private readonly MeterListener _listener;
    private readonly Lock _gate = new();
    private long _used, _idle, _max, _pendingObserved;
    // Pending requests arrive as deltas when Npgsql reports them on a plain (not observable) up-down counter.
    private long _pendingDeltas;

    public PostgresPoolStatistics(IEnumerable<string> poolNames)
    {
        _pools = [.. poolNames];
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Npgsql" && instrument.Name is ConnectionCount or ConnectionMax or PendingRequests)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public StoreConnectionStatistics Read()
    {
        lock (_gate)
        {
            _used = _idle = _max = _pendingObserved = 0;
            _listener.RecordObservableInstruments();
            var pending = _pendingObserved + Interlocked.Read(ref _pendingDeltas);
            return new StoreConnectionStatistics((int)_used, (int)_idle, (int)_max, (int)Math.Max(0, pending));
        }
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? pool = null, state = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "db.client.connection.pool.name") pool = tag.Value as string;
            else if (tag.Key == "db.client.connection.state") state = tag.Value as string;
        }
        if (pool is null || !_pools.Contains(pool)) return;
        switch (instrument.Name)
        {
            case ConnectionCount when state == "used":
                _used += value;
                break;
            case ConnectionCount when state == "idle":
                _idle += value;
                break;
            case ConnectionMax:
                _max += value;
                break;
            case PendingRequests when instrument.IsObservable:
                _pendingObserved += value;
                break;
            case PendingRequests:
                Interlocked.Add(ref _pendingDeltas, value);
                break;
        }
    }

    public void Dispose() => _listener.Dispose();
}
