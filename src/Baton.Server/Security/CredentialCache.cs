using System.Collections.Concurrent;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Security;

/// <summary>
/// Keeps recently used API key and agent records for a few seconds so that authentication does
/// not cost a database read per request. A revocation on this replica evicts at once; other
/// replicas see it within <see cref="Lifetime"/> (keys) or <see cref="AgentLifetime"/> (agents).
/// </summary>
public sealed class CredentialCache(IBatonStore store, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longer than an agent's usual poll cycle (a long-poll of up to a third of the 45 s TTL, or a 10 s
    /// heartbeat), so a fleet's polls find their agent here instead of reading it each time.
    /// </summary>
    public static readonly TimeSpan AgentLifetime = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Key, DateTimeOffset At)> _keys = new();
    private readonly ConcurrentDictionary<string, (AgentRecord? Agent, DateTimeOffset At)> _agents = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _keyUse = new();

    public async Task<ApiKeyRecord?> FindApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_keys.TryGetValue(keyId, out var hit) && now - hit.At < Lifetime) return hit.Key;
        var key = await store.ApiKeys.FindForAuthenticationAsync(keyId, cancellationToken);
        if (_keys.Count > 100_000) _keys.Clear();
        _keys[keyId] = (key, now);
        return key;
    }

    public async Task<AgentRecord?> FindAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_agents.TryGetValue(agentId, out var hit) && now - hit.At < AgentLifetime) return hit.Agent;
        var agent = await store.Agents.FindForAuthenticationAsync(agentId, cancellationToken);
        if (_agents.Count > 200_000) _agents.Clear();
        _agents[agentId] = (agent, now);
        return agent;
    }

    public void EvictApiKey(string keyId) => _keys.TryRemove(keyId, out _);

    /// <summary>Notes a key's use; written to the store in batches by <see cref="DrainKeyUse"/>.</summary>
    public void RecordKeyUse(string keyId) => _keyUse[keyId] = time.GetUtcNow();

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
