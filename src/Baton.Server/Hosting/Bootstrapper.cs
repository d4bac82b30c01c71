using Baton.Core.Audit;
using Baton.Core.Auth;
using Baton.Core.Tenancy;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Hosting;

/// <summary>
/// What the first start created; <see cref="GeneratedAdminKey"/> is shown once and never again.
/// <see cref="NeedsGeneratedKey"/>: the default tenant has no live key and none is configured, so one is
/// generated, but only once the server listens (a start that cannot bind must not make a key nobody sees).
/// </summary>
public sealed record BootstrapResult(string DefaultTenantId, bool CreatedDefaultTenant, string? GeneratedAdminKey, bool NeedsGeneratedKey = false);

/// <summary>
/// Creates the <c>default</c> tenant and its system-admin key: the key is <see cref="ServerOptions.BootstrapApiKey"/>
/// when set (so scripts and CI can know it), else a generated one (<see cref="GenerateAdminKeyAsync"/>) returned
/// to be printed once, after the server is listening.
/// </summary>
public static class Bootstrapper
{
    public const string DefaultTenantName = "default";

    public static async Task<BootstrapResult> EnsureAsync(IBatonStore store, ServerOptions options, TimeProvider time, CancellationToken ct)
    {
        var created = false;
        var tenant = await store.Tenants.GetByNameAsync(DefaultTenantName, ct);
        if (tenant is null)
        {
            var tier = Tiers.TryParse(options.DefaultTenantTier, out var parsed) ? parsed : Tier.Enterprise;
            var candidate = new TenantRecord(SecretTokens.NewId("t_"), DefaultTenantName, tier, QuotaOverrides.None, time.GetUtcNow());
            created = await store.Tenants.CreateAsync(candidate, ct);
            tenant = created ? candidate : await store.Tenants.GetByNameAsync(DefaultTenantName, ct)
                ?? throw new InvalidOperationException("The default tenant could not be created.");
            if (created) await AuditAsync(store, time, tenant.Id, AuditTargets.Tenant, tenant.Id, new { name = tenant.Name, tier = tenant.Tier.ToText() }, ct);
        }

        var needsKey = false;
        if (!string.IsNullOrWhiteSpace(options.BootstrapApiKey))
        {
            var key = options.BootstrapApiKey.Trim();
            if (await store.ApiKeys.FindForAuthenticationAsync(SecretTokens.IdFor(key), ct) is null)
            {
                try
                {
                    var made = await IdentityEndpoints.CreateApiKeyAsync(store, tenant.Id, "bootstrap admin", ApiRole.Admin, systemAdmin: true, key, time, ct);
                    await AuditKeyAsync(store, time, tenant.Id, made.Key.Id, ct);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // Another replica starting at the same moment may have created it first; anything else is a real failure.
                    if (await store.ApiKeys.FindForAuthenticationAsync(SecretTokens.IdFor(key), ct) is null) throw;
                }
            }
        }
        else
        {
            // Not only when the tenant was just created: a first start that failed before its key was made
            // (a busy port) left a tenant without keys, and the next start must still make one.
            needsKey = !(await store.ApiKeys.ListAsync(tenant.Id, ct)).Any(k => k.RevokedAt is null);
        }
        return new BootstrapResult(tenant.Id, created, null, needsKey);
    }

    /// <summary>
    /// Makes a new system-admin key in the default tenant and returns its secret (to be shown once): after
    /// <see cref="EnsureAsync"/> said one is needed, or when an operator of a local data folder lost it
    /// (<c>baton up --reset-admin-key</c>). Existing keys stay valid.
    /// </summary>
    public static async Task<string> GenerateAdminKeyAsync(IBatonStore store, string tenantId, string name, TimeProvider time, CancellationToken ct)
    {
        var made = await IdentityEndpoints.CreateApiKeyAsync(store, tenantId, name, ApiRole.Admin, systemAdmin: true, null, time, ct);
        await AuditKeyAsync(store, time, tenantId, made.Key.Id, name, ct);
        return made.Secret;
    }

    private static Task AuditKeyAsync(IBatonStore store, TimeProvider time, string tenantId, string keyId, CancellationToken ct) =>
        AuditKeyAsync(store, time, tenantId, keyId, "bootstrap admin", ct);

    private static Task AuditKeyAsync(IBatonStore store, TimeProvider time, string tenantId, string keyId, string name, CancellationToken ct) =>
        AuditAsync(store, time, tenantId, AuditTargets.ApiKey, keyId, new { name, role = "admin", systemAdmin = true }, ct);

    /// <summary>What the first start creates is recorded like any creation, with the system as its actor.</summary>
    private static Task AuditAsync(IBatonStore store, TimeProvider time, string tenantId, string targetType, string targetId, object fields, CancellationToken ct) =>
        store.Audit.AppendAsync(new NewAuditEntry(tenantId, time.GetUtcNow(), AuditActor.System, AuditActions.Of(targetType, AuditActions.Created),
            targetType, targetId, null, System.Text.Json.JsonSerializer.SerializeToElement(new { created = fields })), ct);
}
