namespace Baton.Server.Dispatch;

/// <summary>
/// The other replicas this one has heard on the wake-up channel lately (<see cref="PostgresWakeUpBridge"/>): each
/// replica says hello when its LISTEN starts and every <see cref="HelloInterval"/>, and answers a replica it had not
/// heard of. A replica with no peer sends no wake-ups: a notification is a transaction of its own on PostgreSQL, and on
/// a single replica nobody would read it. A peer counts as present for <see cref="Lifetime"/> after its last word, so a
/// few lost hellos do not silence it, and a replica that died is dropped after that.
/// </summary>
public sealed class ReplicaPeers(TimeProvider time)
{
    /// <summary>How often a replica says hello, whether or not anyone listens.</summary>
    public static readonly TimeSpan HelloInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long a peer counts as present after it was last heard (four hellos).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, DateTimeOffset> _lastHeard = new(StringComparer.Ordinal);

    /// <summary>True while some other replica was heard within <see cref="Lifetime"/>.</summary>
    public bool Any
    {
        get
        {
            var cutoff = time.GetUtcNow() - Lifetime;
            lock (_lastHeard)
            {
                foreach (var heard in _lastHeard.Values)
                {
                    if (heard > cutoff) return true;
                }
                return false;
            }
        }
    }

    /// <summary>Records a word from <paramref name="replica"/>; true when it was not present before (it should be greeted back).</summary>
    public bool Heard(string replica)
    {
        var now = time.GetUtcNow();
        lock (_lastHeard)
        {
            var isNew = !_lastHeard.TryGetValue(replica, out var last) || last <= now - Lifetime;
            _lastHeard[replica] = now;
            // Forget the long gone, so a fleet that scaled up and down does not grow the table.
            if (isNew && _lastHeard.Count > 64)
            {
                foreach (var gone in _lastHeard.Where(p => p.Value <= now - Lifetime).Select(p => p.Key).ToList()) _lastHeard.Remove(gone);
            }
            return isNew;
        }
    }
}
