using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class AuthTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Requests_without_a_bearer_token_are_refused_with_a_problem()
    {
        using var anonymous = _server.Client(bearer: null);
        await anonymous.GetAsync("/api/v1/jobs").ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Unknown_keys_are_refused()
    {
        using var client = _server.Client("bk_not_a_real_key");
        await client.GetAsync("/api/v1/me").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_api_key_exchanges_for_a_jwt_that_works_as_a_bearer_token()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var anonymous = _server.Client(bearer: null);
        var token = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(tenant.AdminKey)).ReadAsync<TokenResponse>();
        Assert.Equal("Bearer", token.TokenType);
        Assert.True(token.ExpiresIn > 0);

        using var withJwt = _server.Client(token.AccessToken);
        var me = await withJwt.GetAsync("/api/v1/me").ReadAsync<WhoAmIDto>();
        Assert.Equal(tenant.Tenant.Id, me.TenantId);
        Assert.Equal("admin", me.Role);

        await anonymous.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest("bk_wrong")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var forged = _server.Client(token.AccessToken[..^4] + "AAAA");
        await forged.GetAsync("/api/v1/me").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_revoked_key_stops_working_and_secrets_are_never_listed()
    {
        using var tenant = await _server.CreateTenantAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("ci", "operator"))
            .ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var operatorClient = _server.Client(created.Secret);
        await operatorClient.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);

        var listed = await tenant.Client.GetStringAsync("/api/v1/keys");
        Assert.DoesNotContain(created.Secret, listed, StringComparison.Ordinal);

        await tenant.Client.DeleteAsync($"/api/v1/keys/{created.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await operatorClient.GetAsync("/api/v1/jobs").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        var keys = await tenant.Client.GetAsync("/api/v1/keys").ReadAsync<ListResponse<ApiKeyDto>>();
        Assert.NotNull(keys.Items.Single(k => k.Id == created.Key.Id).RevokedAt);
    }

    [Fact]
    public async Task Roles_limit_what_a_key_may_do()
    {
        using var tenant = await _server.CreateTenantAsync();
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        var op = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("operator", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        using var operatorClient = _server.Client(op.Secret);

        await viewerClient.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.GetAsync("/api/v1/packages").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await viewerClient.PostAsync("/api/v1/jobs/j_x/cancel", null).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        await operatorClient.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await operatorClient.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("x", "admin")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest()).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // A tenant admin is not a system admin.
        await tenant.Client.GetAsync("/api/v1/tenants").ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await tenant.Client.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("sneaky")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Bad_role_and_malformed_json_are_validation_problems()
    {
        using var tenant = await _server.CreateTenantAsync();
        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("x", "superuser"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("role", problem.GetProperty("field").GetString());

        using var content = new StringContent("{not json", new MediaTypeHeaderValue("application/json"));
        await tenant.Client.PostAsync("/api/v1/jobs", content).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }
}
