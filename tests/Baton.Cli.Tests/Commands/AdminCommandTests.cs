using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Baton.Core.Tenancy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary>Tenants, API keys, enrollment tokens and agents.</summary>
public sealed class AdminCommandTests : IDisposable
{
    private const string AdminSecret = "bk_acme_admin_secret";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/tenants", (CreateTenantRequest request) =>
        {
            var tier = Tiers.Parse(request.Tier ?? "free");
            var overrides = request.Quotas ?? QuotaOverrides.None;
            var tenant = new TenantDto("t-2", request.Name, tier.ToText(), TenantQuotas.Resolve(tier, overrides), overrides, Dtos.At);
            return FakeBatonServer.Json(new CreateTenantResponse(tenant, new CreatedApiKeyDto(Dtos.Key("k-9", "admin", "admin"), AdminSecret)), 201);
        });
        app.MapGet("/api/v1/tenants", () => FakeBatonServer.Json(new ListResponse<TenantDto>([Dtos.Tenant("t-1", "default"), Dtos.Tenant("t-2", "acme")])));
        app.MapGet("/api/v1/tenants/{id}", (string id) => FakeBatonServer.Json(Dtos.Tenant(id, "acme")));
        app.MapGet("/api/v1/tenant", () => FakeBatonServer.Json(Dtos.Tenant("t-1", "default")));
        app.MapPatch("/api/v1/tenants/{id}", (string id, UpdateTenantRequest request) =>
            FakeBatonServer.Json(Dtos.Tenant(id, "acme") with { Tier = request.Tier ?? "standard" }));
        app.MapPost("/api/v1/keys", (CreateApiKeyRequest request) =>
            FakeBatonServer.Json(new CreatedApiKeyDto(Dtos.Key("k-5", request.Name, request.Role), "bk_new_key_secret"), 201));
        app.MapGet("/api/v1/keys", () => FakeBatonServer.Json(new ListResponse<ApiKeyDto>([Dtos.Key("k-1", "ci"), Dtos.Key("k-2", "ops", "admin") with { RevokedAt = Dtos.At }])));
        app.MapDelete("/api/v1/keys/{id}", () => Results.NoContent());
        app.MapPost("/api/v1/enrollment-tokens", (CreateEnrollmentTokenRequest request) => FakeBatonServer.Json(
            new CreatedEnrollmentTokenDto(new EnrollmentTokenDto("e-1", request.Name ?? "token", Dtos.At, Dtos.At.AddHours(request.ExpiresInHours ?? 0), null), "bet_enroll_secret"), 201));
        app.MapGet("/api/v1/enrollment-tokens", () => FakeBatonServer.Json(new ListResponse<EnrollmentTokenDto>([new("e-1", "pool-a", Dtos.At, null, null)])));
        app.MapDelete("/api/v1/enrollment-tokens/{id}", () => Results.NoContent());
        app.MapGet("/api/v1/agents", () => FakeBatonServer.Json(new ListResponse<AgentDto>([Dtos.Agent("a-1", "worker-1")])));
    });

    [Fact]
    public async Task Tenant_create_sends_tier_and_overrides_and_prints_the_admin_key_once()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "tenant", "create", "acme", "--tier", "professional", "--concurrent-jobs", "7", "--storage-gb", "1.5");

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize<CreateTenantRequest>(server.Single("POST", "/api/v1/tenants").Body, BatonJson.Wire)!;
        Assert.Equal("professional", sent.Tier);
        Assert.Equal(new QuotaOverrides(ConcurrentJobs: 7, StorageGb: 1.5), sent.Quotas);
        Assert.Contains(AdminSecret, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("shown once", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("override", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_create_json_parses_and_omits_quotas_when_none_are_given()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "tenant", "create", "acme", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(AdminSecret, JsonSerializer.Deserialize<CreateTenantResponse>(result.Stdout, BatonJson.Wire)!.AdminKey.Secret);
        Assert.Null(JsonSerializer.Deserialize<CreateTenantRequest>(server.Single("POST", "/api/v1/tenants").Body, BatonJson.Wire)!.Quotas);
    }

    [Fact]
    public async Task Tenant_show_without_an_id_reads_the_callers_own_tenant_with_usage()
    {
        await using var server = await StartServerAsync();

        var own = await _cli.RunAgainstAsync(server, "tenant", "show");
        var other = await _cli.RunAgainstAsync(server, "tenant", "show", "t-2", "--json");

        Assert.Equal(0, own.ExitCode);
        Assert.Contains("default", own.Stdout, StringComparison.Ordinal);
        Assert.Contains("(+3 pending)", own.Stdout, StringComparison.Ordinal);
        Assert.Equal("/api/v1/tenant", server.Requests.First().PathAndQuery);
        Assert.Equal("t-2", JsonSerializer.Deserialize<TenantDto>(other.Stdout, BatonJson.Wire)!.Id);
    }

    [Fact]
    public async Task Tenant_list_and_update()
    {
        await using var server = await StartServerAsync();

        var list = await _cli.RunAgainstAsync(server, "tenant", "list");
        var update = await _cli.RunAgainstAsync(server, "tenant", "update", "t-2", "--tier", "enterprise", "--api-calls-per-day", "10");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("acme", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, update.ExitCode);
        var sent = JsonSerializer.Deserialize<UpdateTenantRequest>(server.Single("PATCH", "/api/v1/tenants/t-2").Body, BatonJson.Wire)!;
        Assert.Equal(new UpdateTenantRequest("enterprise", new QuotaOverrides(ApiCallsPerDay: 10)), sent);
        Assert.Contains("enterprise", update.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_update_and_show_take_a_name_like_queues_and_schedules_do()
    {
        await using var server = await StartServerAsync();

        var update = await _cli.RunAgainstAsync(server, "tenant", "update", "acme", "--shared-weight", "0");
        var show = await _cli.RunAgainstAsync(server, "tenant", "show", "acme", "--json");
        var unknown = await _cli.RunAgainstAsync(server, "tenant", "update", "nobody", "--tier", "free");

        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.Single(server.Requests, r => r.Method == "PATCH" && r.PathAndQuery == "/api/v1/tenants/t-2");
        Assert.Equal("t-2", JsonSerializer.Deserialize<TenantDto>(show.Stdout, BatonJson.Wire)!.Id);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no tenant named 'nobody'", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_create_list_and_revoke()
    {
        await using var server = await StartServerAsync();

        var created = await _cli.RunAgainstAsync(server, "key", "create", "ci-bot", "--role", "viewer");
        var list = await _cli.RunAgainstAsync(server, "key", "list");
        var revoked = await _cli.RunAgainstAsync(server, "key", "revoke", "k-1");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("bk_new_key_secret", created.Stdout, StringComparison.Ordinal);
        Assert.Contains("shown once", created.Stdout, StringComparison.Ordinal);
        Assert.Equal("viewer", JsonSerializer.Deserialize<CreateApiKeyRequest>(server.Single("POST", "/api/v1/keys").Body, BatonJson.Wire)!.Role);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("revoked", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("bk_new_key_secret", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal("/api/v1/keys/k-1", server.Single("DELETE", "/api/v1/keys").PathAndQuery);
    }

    [Fact]
    public async Task Enroll_token_create_list_and_revoke()
    {
        await using var server = await StartServerAsync();

        var created = await _cli.RunAgainstAsync(server, "enroll-token", "create", "--name", "pool-a", "--expires-in-hours", "24", "--json");
        var list = await _cli.RunAgainstAsync(server, "enroll-token", "list");
        var revoked = await _cli.RunAgainstAsync(server, "enroll-token", "revoke", "e-1");

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("bet_enroll_secret", JsonSerializer.Deserialize<CreatedEnrollmentTokenDto>(created.Stdout, BatonJson.Wire)!.Secret);
        var sent = JsonSerializer.Deserialize<CreateEnrollmentTokenRequest>(server.Single("POST", "/api/v1/enrollment-tokens").Body, BatonJson.Wire)!;
        Assert.Equal(new CreateEnrollmentTokenRequest("pool-a", 24), sent);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("pool-a", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("never", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal("/api/v1/enrollment-tokens/e-1", server.Single("DELETE", "/api/v1/enrollment-tokens").PathAndQuery);
    }

    [Fact]
    public async Task Agent_list_prints_a_table_or_json()
    {
        await using var server = await StartServerAsync();

        var table = await _cli.RunAgainstAsync(server, "agent", "list");
        var json = await _cli.RunAgainstAsync(server, "agent", "list", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("worker-1", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("3.12.1", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("1/4", table.Stdout, StringComparison.Ordinal);
        Assert.Equal("linux", JsonSerializer.Deserialize<ListResponse<AgentDto>>(json.Stdout, BatonJson.Wire)!.Items[0].Os);
    }
}
