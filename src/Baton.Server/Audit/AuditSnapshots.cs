using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Core.Audit;
using Baton.Core.Auth;
using Baton.Core.Tenancy;
using Baton.Server.Api;
using Baton.Storage;

namespace Baton.Server.Audit;

/// <summary>
/// What an audited object looks like to the audit log: its settings (not its timestamps or counters), read from the
/// store before and after a change so the entry can say what changed. Fields named in <see cref="AuditTarget.SecretFields"/>
/// never show a value. A snapshot with an <c>id</c> field names the object by it (a schedule addressed by its name is
/// still recorded under its id).
/// </summary>
public sealed record AuditTarget(
    string Type,
    Func<IBatonStore, string, string, CancellationToken, Task<Dictionary<string, object?>?>> SnapshotAsync,
    IReadOnlySet<string> SecretFields);

public static class AuditSnapshots
{
    private static readonly IReadOnlySet<string> NoSecrets = new HashSet<string>();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AuditTarget Tenant { get; } = new(AuditTargets.Tenant, async (store, _, id, ct) =>
        await store.Tenants.GetAsync(id, ct) is { } t ? Fields(new { t.Name, Tier = t.Tier.ToText(), Quotas = JsonSerializer.SerializeToNode(t.Overrides, SetMembersOnly) }) : null, NoSecrets);

    public static AuditTarget ApiKey { get; } = new(AuditTargets.ApiKey, async (store, tenant, id, ct) =>
        await store.ApiKeys.GetAsync(tenant, id, ct) is { } k ? Fields(new { k.Name, Role = k.Role.ToText(), SystemAdmin = k.IsSystemAdmin, k.RevokedAt }) : null, NoSecrets);

    public static AuditTarget EnrollmentToken { get; } = Token(AuditTargets.EnrollmentToken);

    public static AuditTarget SharedEnrollmentToken { get; } = Token(AuditTargets.SharedEnrollmentToken);

    public static AuditTarget Webhook { get; } = new(AuditTargets.Webhook, async (store, tenant, id, ct) =>
        await store.Webhooks.GetAsync(tenant, id, ct) is { } w ? Fields(new { w.Url, Events = w.EventTypes, w.Enabled, w.Description, w.Secret }) : null,
        new HashSet<string> { "secret" });

    /// <summary>Inputs are treated as secret: automations are often handed credentials in them.</summary>
    public static AuditTarget Schedule { get; } = new(AuditTargets.Schedule, async (store, tenant, id, ct) =>
        await store.Schedules.GetAsync(tenant, id, ct) is { } s ? Without(Fields(s.ToDto()),
            "nextFireAt", "lastFireAt", "lastJobId", "consecutiveFailures", "createdAt", "updatedAt") : null,
        new HashSet<string> { "inputs" });

    public static AuditTarget Calendar { get; } = new(AuditTargets.Calendar, async (store, tenant, name, ct) =>
        await store.Calendars.GetAsync(tenant, name, ct) is { } c ? Without(Fields(c.ToDto()), "createdAt", "updatedAt") : null, NoSecrets);

    public static AuditTarget Queue { get; } = new(AuditTargets.Queue, async (store, tenant, name, ct) =>
        await store.Queues.GetAsync(tenant, name, ct) is { } q ? Without(Fields(q.ToDto()), "createdAt") : null, NoSecrets);

    /// <summary>Values of text, number, boolean and JSON assets are shown; credential secrets (sealed) only as changed.</summary>
    public static AuditTarget Asset { get; } = new(AuditTargets.Asset, async (store, tenant, name, ct) =>
        await store.Assets.GetAsync(tenant, name, ct) is { } a ? Fields(new
        {
            a.Type, a.Queue, a.AgentGroup, a.Description, a.Value.Value, a.Value.Username, a.Value.Secret,
            Overrides = a.Overrides.ToDictionary(o => o.Key, o => new { o.Value.Value, o.Value.Username }, StringComparer.Ordinal),
            OverrideSecrets = a.Overrides.Where(o => o.Value.Secret is not null).ToDictionary(o => o.Key, o => o.Value.Secret, StringComparer.Ordinal),
        }) : null,
        new HashSet<string> { "secret", "overrideSecrets" });

    /// <summary>A work-item queue's trigger, by its queue's name.</summary>
    public static AuditTarget WorkItemTrigger { get; } = new(AuditTargets.WorkItemTrigger, async (store, tenant, queue, ct) =>
        await store.WorkItemTriggers.GetAsync(tenant, queue, ct) is { } t
            ? Fields(new { t.Queue, Package = t.PackageName, Version = t.PackageVersion, t.MaxJobs, t.MinItems }) : null, NoSecrets);

    private static AuditTarget Token(string type) => new(type, async (store, tenant, id, ct) =>
        (await store.EnrollmentTokens.ListAsync(tenant, ct)).FirstOrDefault(t => t.Id == id) is { } t
            ? Fields(new { t.Name, t.ExpiresAt, t.RevokedAt }) : null, NoSecrets);

    // A tenant's quota overrides name only what is set: the unset ones say nothing, and with every new quota they pushed
    // the object past the length at which an audit summary cuts a value to text.
    private static readonly JsonSerializerOptions SetMembersOnly = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static Dictionary<string, object?> Fields(object value) =>
        JsonSerializer.SerializeToNode(value, Json)!.AsObject().ToDictionary(p => p.Key, p => (object?)p.Value?.DeepClone(), StringComparer.Ordinal);

    private static Dictionary<string, object?> Without(Dictionary<string, object?> fields, params string[] names)
    {
        foreach (var name in names) fields.Remove(name);
        return fields;
    }
}
