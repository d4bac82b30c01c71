using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Baton.Core.Tenancy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary>The shared agent pool from the CLI: <c>--shared</c> tokens and agents, <c>--shared-weight</c>.</summary>
public sealed class SharedPoolCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/shared-pool/enrollment-tokens", (CreateEnrollmentTokenRequest request) => FakeBatonServer.Json(
            new CreatedEnrollmentTokenDto(new EnrollmentTokenDto("se-1", request.Name ?? "token", Dtos.At, null, null), "bet_shared_secret"), 201));
        app.MapGet("/api/v1/shared-pool/enrollment-tokens", () => FakeBatonServer.Json(new ListResponse<EnrollmentTokenDto>([new("se-1", "pool", Dtos.At, null, null)])));
        app.MapDelete("/api/v1/shared-pool/enrollment-tokens/{id}", () => Results.NoContent());
        app.MapGet("/api/v1/shared-pool/agents", () => FakeBatonServer.Json(new ListResponse<AgentDto>([Dtos.Agent("a-9", "pool-worker")])));
        app.MapPatch("/api/v1/tenants/{id}", (string id, UpdateTenantRequest request) => FakeBatonServer.Json(Dtos.Tenant(id, "acme")));
    });

    [Fact]
    public async Task Shared_enrollment_tokens_go_to_the_shared_pool_endpoints()
    {
        await using var server = await StartServerAsync();

        var created = await _cli.RunAgainstAsync(server, "enroll-token", "create", "--shared", "--name", "pool");
        var list = await _cli.RunAgainstAsync(server, "enroll-token", "list", "--shared");
        var revoked = await _cli.RunAgainstAsync(server, "enroll-token", "revoke", "se-1", "--shared");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("bet_shared_secret", created.Stdout, StringComparison.Ordinal);
        Assert.Equal("pool", JsonSerializer.Deserialize<CreateEnrollmentTokenRequest>(server.Single("POST", "/api/v1/shared-pool/enrollment-tokens").Body, BatonJson.Wire)!.Name);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("se-1", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal("/api/v1/shared-pool/enrollment-tokens/se-1", server.Single("DELETE", "/api/v1/shared-pool/enrollment-tokens").PathAndQuery);
    }

    [Fact]
    public async Task Agent_list_shared_lists_the_pool_and_tenant_update_sets_the_weight()
    {
        await using var server = await StartServerAsync();

        var agents = await _cli.RunAgainstAsync(server, "agent", "list", "--shared");
        var update = await _cli.RunAgainstAsync(server, "tenant", "update", "t-2", "--shared-weight", "0");
        var negative = await _cli.RunAgainstAsync(server, "tenant", "update", "t-2", "--shared-weight", "-1");

        Assert.Equal(0, agents.ExitCode);
        Assert.Contains("pool-worker", agents.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, update.ExitCode);
        var sent = JsonSerializer.Deserialize<UpdateTenantRequest>(server.Single("PATCH", "/api/v1/tenants/t-2").Body, BatonJson.Wire)!;
        Assert.Equal(new UpdateTenantRequest(null, new QuotaOverrides(SharedPoolWeight: 0)), sent);
        Assert.Contains("shared-pool weight", update.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, negative.ExitCode);
    }
}
