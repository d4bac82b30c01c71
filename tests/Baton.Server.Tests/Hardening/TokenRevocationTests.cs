using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>A JWT is only as good as the API key it was made from: revoking the key, or lowering its role, ends or narrows it within seconds.</summary>
public sealed class TokenRevocationTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(CreatedApiKeyDto Key, HttpClient Jwt)> AdminKeyWithJwtAsync(TestTenant tenant)
    {
        var key = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("second-admin", "admin")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var anonymous = _server.Client(null);
        var token = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(key.Secret)).ReadAsync<TokenResponse>();
        return (key, _server.Client(token.AccessToken));
    }

    [Fact]
    public async Task Revoking_a_key_ends_its_jwts_and_they_can_no_longer_mint_keys()
    {
        using var tenant = await _server.CreateTenantAsync();
        var (key, jwt) = await AdminKeyWithJwtAsync(tenant);
        using (jwt)
        {
            await jwt.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("minted", "viewer")).ShouldBeAsync(HttpStatusCode.Created);

            await tenant.Client.DeleteAsync($"/api/v1/keys/{key.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent);

            await WithinAsync(TimeSpan.FromSeconds(6), async () => (await jwt.GetAsync("/api/v1/me")).StatusCode == HttpStatusCode.Unauthorized);
            await jwt.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("minted-after", "admin")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
            var keys = await tenant.Client.GetAsync("/api/v1/keys").ReadAsync<ListResponse<ApiKeyDto>>();
            Assert.DoesNotContain(keys.Items, k => k.Name == "minted-after");
        }
    }

    [Fact]
    public async Task Lowering_a_keys_role_narrows_its_jwts()
    {
        using var tenant = await _server.CreateTenantAsync();
        var (key, jwt) = await AdminKeyWithJwtAsync(tenant);
        using (jwt)
        {
            var changed = await tenant.Client.PatchAsJsonAsync($"/api/v1/keys/{key.Key.Id}", new UpdateApiKeyRequest("viewer")).ReadAsync<ApiKeyDto>();
            Assert.Equal("viewer", changed.Role);

            await WithinAsync(TimeSpan.FromSeconds(6), async () =>
                (await jwt.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("minted", "admin"))).StatusCode == HttpStatusCode.Forbidden);
            Assert.Equal("viewer", (await jwt.GetAsync("/api/v1/me").ReadAsync<WhoAmIDto>()).Role);
            // The key itself is narrowed too.
            using var direct = _server.Client(key.Secret);
            await direct.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("nothing")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task A_role_can_only_be_set_to_a_known_role_and_only_by_an_admin_of_the_tenant()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        var key = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("op", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        await tenant.Client.PatchAsJsonAsync($"/api/v1/keys/{key.Key.Id}", new UpdateApiKeyRequest("root")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await other.Client.PatchAsJsonAsync($"/api/v1/keys/{key.Key.Id}", new UpdateApiKeyRequest("viewer")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var operatorClient = _server.Client(key.Secret);
        await operatorClient.PatchAsJsonAsync($"/api/v1/keys/{key.Key.Id}", new UpdateApiKeyRequest("admin")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    private static async Task WithinAsync(TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < limit, $"still not true after {limit.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
