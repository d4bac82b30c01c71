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
        }

        string? generated = null;
        if (!string.IsNullOrWhiteSpace(options.BootstrapApiKey))
        {
            var key = options.BootstrapApiKey.Trim();
            if (await store.ApiKeys.FindForAuthenticationAsync(SecretTokens.IdFor(key), ct) is null)
            {
                try
                {
                    await IdentityEndpoints.CreateApiKeyAsync(store, tenant.Id, "bootstrap admin", ApiRole.Admin, systemAdmin: true, key, time, ct);
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
            generated = (await IdentityEndpoints.CreateApiKeyAsync(store, tenant.Id, "bootstrap admin", ApiRole.Admin, systemAdmin: true, null, time, ct)).Secret;
        }
        return new BootstrapResult(tenant.Id, created, generated);
    }
}
