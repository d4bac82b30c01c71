using Baton.Storage;

namespace Baton.Server.Metrics;

/// <summary>
/// The store as its backend built it, beneath <see cref="InstrumentedStore"/>: what the metrics' own reads and
/// connection figures use, so measuring never measures itself and the decorator can depend on them.
/// </summary>
public sealed class BackendStore(IBatonStore store)
{
    public IBatonStore Store { get; } = store;
}
