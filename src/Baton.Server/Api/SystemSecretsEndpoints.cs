using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Server.Secrets;
using Baton.Server.Security;

namespace Baton.Server.Api;

/// <summary>
/// Secrets at rest, for system admins: which master keys wrap the tenants' data keys, and the re-wrap that moves them
/// all to the primary master key (the middle step of a rotation; see docs/security.md).
/// </summary>
public static class SystemSecretsEndpoints
{
    public static void MapSystemSecretsEndpoints(this IEndpointRouteBuilder api)
    {
        var secrets = api.MapGroup("/system/secrets").RequireAuthorization(AuthPolicies.SystemAdmin);
        secrets.MapGet("", async (MasterKeyRotation rotation, CancellationToken ct) =>
        {
            var status = await rotation.StatusAsync(ct);
            return Results.Ok(new SecretsStatusDto(status.Source, status.PrimaryMasterKeyId, status.MasterKeyIds, status.DataKeysByMasterKey, status.MissingMasterKeyIds));
        }).Produces<SecretsStatusDto>();
        secrets.MapPost("/rewrap", async (HttpContext context, MasterKeyRotation rotation, AuditRecorder audit, CancellationToken ct) =>
        {
            var result = await rotation.RewrapAsync(ct);
            await audit.RecordAsync(context, context.GetCaller().TenantId, AuditActions.Of(AuditTargets.Installation, "secrets_rewrapped"),
                AuditTargets.Installation, "master-keys", JsonSerializer.SerializeToElement(new
                {
                    primaryMasterKeyId = result.PrimaryMasterKeyId,
                    rewrapped = result.Rewrapped,
                    remainingOnOtherKeys = result.RemainingOnOtherKeys,
                }), CancellationToken.None);
            return Results.Ok(new RewrapResultDto(result.PrimaryMasterKeyId, result.Rewrapped, result.RemainingOnOtherKeys, result.MissingMasterKeyIds));
        }).Produces<RewrapResultDto>();
    }
}
