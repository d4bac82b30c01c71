using System.Collections.Concurrent;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Security;

/// <summary>
/// Keeps recently used API key and agent records for a few seconds so that authentication does
/// not cost a database read per request. A revocation on this replica evicts at once; other
/// replicas see it within <see cref="Lifetime"/> (keys) or <see cref="AgentLifetime"/> (agents).
/// Agents are read in batches (<see cref="BatchedLookup{T}"/>), and an agent that keeps polling is read again in the
/// background before its entry expires (<see cref="AgentRefreshAfter"/>), so its polls never wait for the store.
/// </summary>
public sealed class CredentialCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longer than an agent's poll cycle (a long-poll of at most <c>MaxPollWait</c>, 20 s, or a 10 s heartbeat), so
    /// a fleet's polls find their agent here instead of reading it each time. It must exceed the cycle with room to
    /// spare: at 20 s, agents polling every 10 or 20 s found their entry just expired on every second poll and read
    /// it on the request path (500 reads a second for 10,000 agents: the heartbeat p99 of seconds).
    /// </summary>
    public static readonly TimeSpan AgentLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The age after which a used agent entry is read again in the background (still served until
    /// <see cref="AgentLifetime"/>). Shorter than any poll cycle, so each poll of a live agent refreshes its entry
    /// off the request path, and a revocation made on another replica refuses the agent's next poll but one.
    /// </summary>
    public static readonly TimeSpan AgentRefreshAfter = TimeSpan.FromSeconds(5);

    /// <summary>Ids per batched agent read.</summary>
    public const int AgentBatch = 500;

    private readonly TimeProvider _time;
    private readonly BatchedLookup<AgentRecord> _agentReads;
    private readonly SingleFlightCache<ApiKeyRecord?> _keys;
    private readonly ConcurrentDictionary<string, (AgentRecord? Agent, DateTimeOffset At)> _agents = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _keyUse = new();
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);

    public CredentialCache(IBatonStore store, TimeProvider time)
    {
        _time = time;
        // One read per key in flight: a key's entry expiring behind a queue of its requests costs one read, not one each.
        _keys = new SingleFlightCache<ApiKeyRecord?>(
            Lifetime, time, 100_000, keyId => store.ApiKeys.FindForAuthenticationAsync(keyId, CancellationToken.None));
        _agentReads = new BatchedLookup<AgentRecord>(async ids =>
            (await store.Agents.FindForAuthenticationAsync(ids, CancellationToken.None)).ToDictionary(agent => agent.Id, StringComparer.Ordinal), AgentBatch);
    }

    public Task<ApiKeyRecord?> FindApiKeyAsync(string keyId, CancellationToken cancellationToken) => _keys.GetAsync(keyId, cancellationToken);

    public async Task<AgentRecord?> FindAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_agents.TryGetValue(agentId, out var hit) && now - hit.At < AgentLifetime)
        {
            if (now - hit.At >= AgentRefreshAfter && hit.Agent is not null) _ = RefreshAgentAsync(agentId);
            return hit.Agent;
        }
        return await ReadAgentAsync(agentId, cancellationToken);
    }

    private async Task<AgentRecord?> ReadAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var readAt = _time.GetUtcNow();
        var agent = await _agentReads.FindAsync(agentId, cancellationToken);
        if (_agents.Count > 200_000) _agents.Clear();
        _agents[agentId] = (agent, readAt);
        return agent;
    }

    private async Task RefreshAgentAsync(string agentId)
    {
        if (!_refreshing.TryAdd(agentId, 0)) return;
        try
        {
            await ReadAgentAsync(agentId, CancellationToken.None);
        }
        catch (Exception)
        {
            // The entry still expires at its time: the first poll after that reads the agent itself and meets the failure.
        }
        finally
        {
            _refreshing.TryRemove(agentId, out _);
        }
    }

    /// <summary>Forgets a key at once on this replica (revoked or changed): its next request reads it again.</summary>
    public void EvictApiKey(string keyId) => _keys.Invalidate(keyId);

    /// <summary>Notes a key's use; written to the store in batches by <see cref="DrainKeyUse"/>.</summary>
    public void RecordKeyUse(string keyId) => _keyUse[keyId] = _time.GetUtcNow();

    public IReadOnlyDictionary<string, DateTimeOffset> DrainKeyUse()
    {
        var drained = new Dictionary<string, DateTimeOffset>();
        foreach (var keyId in _keyUse.Keys)
        {
            if (_keyUse.TryRemove(keyId, out var at)) drained[keyId] = at;
        }
        return drained;
    }
}
