using Baton.Core.Audit;
using Baton.Core.Auth;
using Baton.Core.Tenancy;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Hosting;

/// <summary>What the first start created; <see cref="GeneratedAdminKey"/> is shown once and never again.</summary>
public sealed record BootstrapResult(string DefaultTenantId, bool CreatedDefaultTenant, string? GeneratedAdminKey);

/// <summary>
/// Creates the <c>default</c> tenant and its system-admin key on the first start: the key is
/// <see cref="ServerOptions.BootstrapApiKey"/> when set (so scripts and CI can know it),
/// else a generated one returned to be printed once.
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

        string? generated = null;
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
        else if (created)
        {
            var made = await IdentityEndpoints.CreateApiKeyAsync(store, tenant.Id, "bootstrap admin", ApiRole.Admin, systemAdmin: true, null, time, ct);
            await AuditKeyAsync(store, time, tenant.Id, made.Key.Id, ct);
            generated = made.Secret;
        }
        return new BootstrapResult(tenant.Id, created, generated);
    }

    private static Task AuditKeyAsync(IBatonStore store, TimeProvider time, string tenantId, string keyId, CancellationToken ct) =>
        AuditAsync(store, time, tenantId, AuditTargets.ApiKey, keyId, new { name = "bootstrap admin", role = "admin", systemAdmin = true }, ct);

    /// <summary>What the first start creates is recorded like any creation, with the system as its actor.</summary>
    private static Task AuditAsync(IBatonStore store, TimeProvider time, string tenantId, string targetType, string targetId, object fields, CancellationToken ct) =>
        store.Audit.AppendAsync(new NewAuditEntry(tenantId, time.GetUtcNow(), AuditActor.System, AuditActions.Of(targetType, AuditActions.Created),
            targetType, targetId, null, System.Text.Json.JsonSerializer.SerializeToElement(new { created = fields })), ct);
}
