using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Assets;

/// <summary>/api/v1/assets: typed values, credentials sealed at rest and never listed, roles, tenants, reveal and the audit log.</summary>
public sealed class AssetApiTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string NewSecret() => "pw-" + Guid.NewGuid().ToString("N");

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string name, object body) =>
        client.PutAsJsonAsync($"/api/v1/assets/{name}", body, ServerHarness.Json);

    private static async Task<HttpClient> RoleAsync(ServerHarness server, TestTenant tenant, string role)
    {
        var key = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("asset-" + role, role)).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        return server.Client(key.Secret);
    }

    [Fact]
    public async Task Typed_assets_are_saved_read_replaced_and_deleted()
    {
        using var tenant = await _server.CreateTenantAsync();
        var c = tenant.Client;

        var created = await PutAsync(c, "crm-url", new { type = "text", value = "https://crm.example.com", description = "the CRM" }).ReadAsync<AssetDto>(HttpStatusCode.Created);
        Assert.Equal(("text", "https://crm.example.com", false), (created.Type, created.Value.Value!.Value.GetString(), created.Value.HasSecret));
        await PutAsync(c, "workers", new { type = "number", value = 4, agentGroup = "gpu" }).ShouldBeAsync(HttpStatusCode.Created);
        await PutAsync(c, "enabled", new { type = "boolean", value = true, queue = "default" }).ShouldBeAsync(HttpStatusCode.Created);
        await PutAsync(c, "settings", new { type = "json", value = new { retries = 3, hosts = new[] { "a", "b" } } }).ShouldBeAsync(HttpStatusCode.Created);

        var replaced = await PutAsync(c, "workers", new { type = "number", value = 8 }).ReadAsync<AssetDto>();
        Assert.Equal(("8", (string?)null), (replaced.Value.Value!.Value.GetRawText(), replaced.AgentGroup));
        var withOverride = await c.PutAsJsonAsync("/api/v1/assets/workers/overrides/gpu", new { value = 32 }).ReadAsync<AssetDto>();
        Assert.Equal("32", withOverride.Overrides["gpu"].Value!.Value.GetRawText());

        var list = await c.GetAsync("/api/v1/assets").ReadAsync<ListResponse<AssetDto>>();
        Assert.Equal(["crm-url", "enabled", "settings", "workers"], list.Items.Select(a => a.Name));
        Assert.Equal(3, list.Items.Single(a => a.Name == "settings").Value.Value!.Value.GetProperty("retries").GetInt32());

        await c.DeleteAsync("/api/v1/assets/workers/overrides/gpu").ShouldBeAsync(HttpStatusCode.NoContent);
        await c.DeleteAsync("/api/v1/assets/workers/overrides/gpu").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await c.DeleteAsync("/api/v1/assets/workers").ShouldBeAsync(HttpStatusCode.NoContent);
        await c.GetAsync("/api/v1/assets/workers").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_the_field_at_fault_and_changes_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        var c = tenant.Client;
        var cases = new (string Name, object Body, string Field)[]
        {
            ("bad name!", new { type = "text", value = "x" }, "name"),
            ("a", new { type = "secret", value = "x" }, "type"),
            ("a", new { type = "number", value = "four" }, "value"),
            ("a", new { type = "boolean", value = 1 }, "value"),
            ("a", new { type = "text" }, "value"),
            ("a", new { type = "text", value = "x", secret = "y" }, "secret"),
            ("a", new { type = "credential", username = "u" }, "secret"),
            ("a", new { type = "credential", value = "x", secret = "longenough" }, "value"),
            ("a", new { type = "text", value = "x", queue = "Not A Queue" }, "queue"),
            ("a", new { type = "text", value = "x", agentGroup = "GPU!" }, "agentGroup"),
            ("a", new { type = "text", value = new string('x', 70_000) }, "value"),
        };
        foreach (var (name, body, field) in cases)
        {
            var problem = await PutAsync(c, Uri.EscapeDataString(name), body).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        // A misspelt field is refused, not ignored.
        await PutAsync(c, "a", new { type = "credential", secert = "longenough" }).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await PutAsync(c, "n", new { type = "number", value = 1 }).ShouldBeAsync(HttpStatusCode.Created);
        var wrongOverride = await c.PutAsJsonAsync("/api/v1/assets/n/overrides/gpu", new { value = "one" }).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("value", wrongOverride.GetProperty("field").GetString());
        await c.PutAsJsonAsync("/api/v1/assets/n/overrides/Not_A_Group", new { value = 2 }).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await c.PostAsync("/api/v1/assets/n/reveal", null).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.InvalidState);

        var list = await c.GetAsync("/api/v1/assets").ReadAsync<ListResponse<AssetDto>>();
        Assert.Equal(("n", 0), (Assert.Single(list.Items).Name, list.Items[0].Overrides.Count));
    }

    [Fact]
    public async Task A_credential_is_sealed_in_the_store_never_listed_and_revealed_only_to_admins_with_an_audit_entry()
    {
        using var tenant = await _server.CreateTenantAsync();
        var secret = NewSecret();
        var gpuSecret = NewSecret();
        var created = await PutAsync(tenant.Client, "db", new { type = "credential", username = "svc", secret }).ReadAsync<AssetDto>(HttpStatusCode.Created);
        await tenant.Client.PutAsJsonAsync("/api/v1/assets/db/overrides/gpu", new { username = "gpu-svc", secret = gpuSecret }).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(("svc", true, (JsonElement?)null), (created.Value.Username, created.Value.HasSecret, created.Value.Value));

        // In the store only sealed, bound to the tenant and the asset.
        var stored = (await _server.Server.Services.GetRequiredService<IBatonStore>().Assets.GetAsync(tenant.Tenant.Id, "db", default))!;
        Assert.StartsWith(ProtectedValue.Prefix, stored.Value.Secret, StringComparison.Ordinal);
        Assert.StartsWith(ProtectedValue.Prefix, stored.Overrides["gpu"].Secret, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, stored.Value.Secret, StringComparison.Ordinal);

        using var viewer = await RoleAsync(_server, tenant, "viewer");
        using var operatorClient = await RoleAsync(_server, tenant, "operator");
        foreach (var client in new[] { tenant.Client, viewer, operatorClient })
        {
            foreach (var path in new[] { "/api/v1/assets", "/api/v1/assets/db" })
            {
                var text = await client.GetStringAsync(path);
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(gpuSecret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(ProtectedValue.Prefix, text, StringComparison.Ordinal);
                Assert.Contains("svc", text, StringComparison.Ordinal);
            }
        }

        // Reading is for viewers, writing for operators, revealing for admins.
        await PutAsync(viewer, "db", new { type = "text", value = "x" }).ShouldBeAsync(HttpStatusCode.Forbidden);
        await viewer.DeleteAsync("/api/v1/assets/db").ShouldBeAsync(HttpStatusCode.Forbidden);
        await viewer.PostAsync("/api/v1/assets/db/reveal", null).ShouldBeAsync(HttpStatusCode.Forbidden);
        await operatorClient.PostAsync("/api/v1/assets/db/reveal", null).ShouldBeAsync(HttpStatusCode.Forbidden);
        var revealed = await tenant.Client.PostAsync("/api/v1/assets/db/reveal", null).ReadAsync<RevealedCredentialDto>();
        Assert.Equal(("svc", secret, (string?)null), (revealed.Username, revealed.Secret, revealed.AgentGroup));
        var revealedGpu = await tenant.Client.PostAsync("/api/v1/assets/db/reveal?group=gpu", null).ReadAsync<RevealedCredentialDto>();
        Assert.Equal(("gpu-svc", gpuSecret, "gpu"), (revealedGpu.Username, revealedGpu.Secret, revealedGpu.AgentGroup));
        await tenant.Client.PostAsync("/api/v1/assets/db/reveal?group=cpu", null).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A replacement without a secret keeps the old one; with one, it changes.
        await PutAsync(operatorClient, "db", new { type = "credential", username = "svc2" }).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(secret, (await tenant.Client.PostAsync("/api/v1/assets/db/reveal", null).ReadAsync<RevealedCredentialDto>()).Secret);
        await operatorClient.DeleteAsync("/api/v1/assets/db").ShouldBeAsync(HttpStatusCode.NoContent);

        var audit = await tenant.Client.GetAsync("/api/v1/audit?action=asset.*&limit=50").ReadAsync<ListResponse<AuditEntryDto>>();
        var actions = audit.Items.Select(e => e.Action).Reverse().ToList();
        Assert.Equal(["asset.created", "asset.updated", "asset.revealed", "asset.revealed", "asset.updated", "asset.revealed", "asset.deleted"], actions);
        var allAudit = string.Join("\n", audit.Items.Select(e => e.Summary.GetRawText()));
        Assert.DoesNotContain(secret, allAudit, StringComparison.Ordinal);
        Assert.DoesNotContain(gpuSecret, allAudit, StringComparison.Ordinal);
        Assert.DoesNotContain(ProtectedValue.Prefix, allAudit, StringComparison.Ordinal);
        Assert.Equal("gpu", audit.Items.Where(e => e.Action == "asset.revealed").Select(e => e.Summary.GetProperty("revealed").GetProperty("agentGroup").GetString()).OfType<string>().Single());
    }

    [Fact]
    public async Task Another_tenant_can_neither_see_nor_touch_an_asset()
    {
        using var owner = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        var secret = NewSecret();
        await PutAsync(owner.Client, "db", new { type = "credential", username = "svc", secret }).ShouldBeAsync(HttpStatusCode.Created);

        await other.Client.GetAsync("/api/v1/assets/db").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await other.Client.GetAsync("/api/v1/assets").ReadAsync<ListResponse<AssetDto>>()).Items);
        await other.Client.PostAsync("/api/v1/assets/db/reveal", null).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await other.Client.DeleteAsync("/api/v1/assets/db").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await other.Client.PutAsJsonAsync("/api/v1/assets/db/overrides/gpu", new { secret = "x-x-x-x" }).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A PUT of the same name makes the other tenant's own asset, not a change of this one.
        await PutAsync(other.Client, "db", new { type = "text", value = "theirs" }).ShouldBeAsync(HttpStatusCode.Created);

        var mine = await owner.Client.GetAsync("/api/v1/assets/db").ReadAsync<AssetDto>();
        Assert.Equal(("credential", "svc", 0), (mine.Type, mine.Value.Username, mine.Overrides.Count));
        Assert.Equal(secret, (await owner.Client.PostAsync("/api/v1/assets/db/reveal", null).ReadAsync<RevealedCredentialDto>()).Secret);
    }
}
