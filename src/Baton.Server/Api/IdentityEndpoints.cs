using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Core.Auth;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>Who am I, token exchange, API keys and agent enrollment tokens.</summary>
public static class IdentityEndpoints
{
    public static void MapIdentityEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/auth/token", ExchangeTokenAsync).AllowAnonymous().Produces<TokenResponse>();
        api.MapGet("/me", GetMeAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<WhoAmIDto>();

        var keys = api.MapGroup("/keys").RequireAuthorization(AuthPolicies.Admin);
        keys.MapGet("", ListKeysAsync).Produces<ListResponse<ApiKeyDto>>();
        keys.MapPost("", CreateKeyAsync).Produces<CreatedApiKeyDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.ApiKey, AuditActions.Created, null);
        keys.MapPatch("/{keyId}", ChangeKeyRoleAsync).Produces<ApiKeyDto>().Audited(AuditSnapshots.ApiKey, AuditActions.Updated, "keyId");
        keys.MapDelete("/{keyId}", RevokeKeyAsync).ProducesNoContent().Audited(AuditSnapshots.ApiKey, AuditActions.Revoked, "keyId");

        var tokens = api.MapGroup("/enrollment-tokens").RequireAuthorization(AuthPolicies.Admin);
        tokens.MapGet("", ListTokensAsync).Produces<ListResponse<EnrollmentTokenDto>>();
        tokens.MapPost("", CreateTokenAsync).Produces<CreatedEnrollmentTokenDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.EnrollmentToken, AuditActions.Created, null);
        tokens.MapDelete("/{tokenId}", RevokeTokenAsync).ProducesNoContent().Audited(AuditSnapshots.EnrollmentToken, AuditActions.Revoked, "tokenId");
    }

    private static async Task<IResult> ExchangeTokenAsync(TokenRequest request, CredentialCache credentials, JwtIssuer jwt, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.ApiKey)) return Problems.Validation("apiKey is required.", "apiKey");
        var key = await credentials.FindApiKeyAsync(SecretTokens.IdFor(request.ApiKey), ct);
        if (key is null || !SecretTokens.Matches(request.ApiKey, key.SecretHash) || key.RevokedAt is not null)
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unauthorized", "The API key is unknown or revoked.");
        }
        var (token, lifetime) = await jwt.IssueAsync(new Caller(key.TenantId, key.Role, key.IsSystemAdmin, key.Id), ct);
        return Results.Ok(new TokenResponse(token, "Bearer", (int)lifetime.TotalSeconds));
    }

    private static async Task<IResult> GetMeAsync(HttpContext context, TenantDirectory tenants, CancellationToken ct)
    {
        var caller = context.GetCaller();
        var tenant = await tenants.GetAsync(caller.TenantId, ct);
        return tenant is null ? Problems.NotFound("Your tenant") : Results.Ok(tenant.ToWhoAmI(caller.Role, caller.IsSystemAdmin, caller.KeyId));
    }

    private static async Task<IResult> ListKeysAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var keys = await store.ApiKeys.ListAsync(context.GetCaller().TenantId, ct);
        return Results.Ok(new ListResponse<ApiKeyDto>([.. keys.OrderBy(k => k.CreatedAt).Select(k => k.ToDto())]));
    }

    private static async Task<IResult> CreateKeyAsync(CreateApiKeyRequest request, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var caller = context.GetCaller();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100) return Problems.Validation("name must be 1 to 100 characters.", "name");
        if (!ApiRoles.TryParse(request.Role, out var role)) return Problems.Validation("role must be admin, operator or viewer.", "role");
        var created = await CreateApiKeyAsync(store, caller.TenantId, request.Name.Trim(), role, systemAdmin: false, secret: null, time, ct);
        return Results.Created($"/api/v1/keys/{created.Key.Id}", created);
    }

    /// <summary>Creates and stores a key; the secret is returned this once.</summary>
    public static async Task<CreatedApiKeyDto> CreateApiKeyAsync(
        IBatonStore store, string tenantId, string name, ApiRole role, bool systemAdmin, string? secret, TimeProvider time, CancellationToken ct)
    {
        secret ??= SecretTokens.NewApiKey();
        var record = new ApiKeyRecord(SecretTokens.IdFor(secret), tenantId, name, role, systemAdmin, SecretTokens.Hash(secret), time.GetUtcNow(), null, null);
        await store.ApiKeys.CreateAsync(record, ct);
        return new CreatedApiKeyDto(record.ToDto(), secret);
    }

    private static async Task<IResult> RevokeKeyAsync(string keyId, HttpContext context, IBatonStore store, CredentialCache credentials, CancellationToken ct)
    {
        var caller = context.GetCaller();
        if (!await store.ApiKeys.RevokeAsync(caller.TenantId, keyId, ct))
        {
            var existing = await store.ApiKeys.GetAsync(caller.TenantId, keyId, ct);
            return existing is null ? Problems.NotFound($"API key {keyId}") : Results.NoContent();
        }
        credentials.EvictApiKey(keyId);
        return Results.NoContent();
    }

    private static async Task<IResult> ChangeKeyRoleAsync(
        string keyId, UpdateApiKeyRequest request, HttpContext context, IBatonStore store, CredentialCache credentials, CancellationToken ct)
    {
        var caller = context.GetCaller();
        if (!ApiRoles.TryParse(request.Role, out var role)) return Problems.Validation("role must be admin, operator or viewer.", "role");
        var existing = await store.ApiKeys.GetAsync(caller.TenantId, keyId, ct);
        if (existing is null) return Problems.NotFound($"API key {keyId}");
        if (existing.IsSystemAdmin) return Problems.InvalidState("A system administrator key's role cannot change; create a new key and revoke this one.");
        if (!await store.ApiKeys.ChangeRoleAsync(caller.TenantId, keyId, role, ct)) return Problems.InvalidState($"API key {keyId} is revoked.");
        credentials.EvictApiKey(keyId);
        return Results.Ok((existing with { Role = role }).ToDto());
    }

    private static async Task<IResult> ListTokensAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tokens = await store.EnrollmentTokens.ListAsync(context.GetCaller().TenantId, ct);
        return Results.Ok(new ListResponse<EnrollmentTokenDto>([.. tokens.OrderBy(t => t.CreatedAt).Select(t => t.ToDto())]));
    }

    private static async Task<IResult> CreateTokenAsync(CreateEnrollmentTokenRequest? request, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var caller = context.GetCaller();
        var name = string.IsNullOrWhiteSpace(request?.Name) ? "enrollment token" : request.Name.Trim();
        if (name.Length > 100) return Problems.Validation("name must be at most 100 characters.", "name");
        if (request?.ExpiresInHours is < 1 or > 24 * 365) return Problems.Validation("expiresInHours must be between 1 and 8760.", "expiresInHours");
        var created = await CreateEnrollmentTokenAsync(store, caller.TenantId, name,
            request?.ExpiresInHours is { } hours ? TimeSpan.FromHours(hours) : null, time, ct);
        return Results.Created($"/api/v1/enrollment-tokens/{created.Token.Id}", created);
    }

    public static async Task<CreatedEnrollmentTokenDto> CreateEnrollmentTokenAsync(
        IBatonStore store, string tenantId, string name, TimeSpan? lifetime, TimeProvider time, CancellationToken ct)
    {
        var secret = SecretTokens.NewEnrollmentToken();
        var now = time.GetUtcNow();
        var record = new EnrollmentTokenRecord(SecretTokens.IdFor(secret), tenantId, name, SecretTokens.Hash(secret), now,
            lifetime is { } l ? now + l : null, null);
        await store.EnrollmentTokens.CreateAsync(record, ct);
        return new CreatedEnrollmentTokenDto(record.ToDto(), secret);
    }

    private static async Task<IResult> RevokeTokenAsync(string tokenId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var caller = context.GetCaller();
        if (await store.EnrollmentTokens.RevokeAsync(caller.TenantId, tokenId, ct)) return Results.NoContent();
        var all = await store.EnrollmentTokens.ListAsync(caller.TenantId, ct);
        return all.Any(t => t.Id == tokenId) ? Results.NoContent() : Problems.NotFound($"Enrollment token {tokenId}");
    }
}
