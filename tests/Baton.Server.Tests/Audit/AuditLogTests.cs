using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Tenancy;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Audit;

/// <summary>
/// The audit log over HTTP: every change to keys, enrollment tokens, tenants and quotas, webhooks, schedules, calendars
/// and queues is recorded with its actor, source address and a summary without secrets; refused and no-op calls are not;
/// tenants read their own log, system admins every tenant's.
/// </summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<List<AuditEntryDto>> AuditAsync(HttpClient client, string query = "") =>
        [.. (await client.GetAsync("/api/v1/audit?limit=500" + query).ReadAsync<ListResponse<AuditEntryDto>>()).Items];

    private static async Task<string> KeyIdAsync(HttpClient client) => (await client.GetAsync("/api/v1/me").ReadAsync<WhoAmIDto>()).KeyId!;

    [Fact]
    public async Task Every_change_is_recorded_with_actor_source_and_a_summary_without_secrets()
    {
        using var tenant = await _server.CreateTenantAsync();
        var client = tenant.Client;
        var adminKeyId = await KeyIdAsync(client);
        const string webhookSecret = "whsec_audit_must_never_show_this_0001";
        await client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        var key = await client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("ci", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        await client.DeleteAsync($"/api/v1/keys/{key.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await client.DeleteAsync($"/api/v1/keys/{key.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent); // already revoked: no entry
        var token = await client.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("lab", 24)).ReadAsync<CreatedEnrollmentTokenDto>(HttpStatusCode.Created);
        await client.DeleteAsync($"/api/v1/enrollment-tokens/{token.Token.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await client.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/hook", ["job.failed"], webhookSecret))
            .ShouldBeAsync(HttpStatusCode.BadRequest); // loopback refused by the SSRF guard: nothing changed, no entry
        await client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("batch", Priority: 1)).ShouldBeAsync(HttpStatusCode.Created);
        await client.PatchAsJsonAsync("/api/v1/queues/batch", new UpdateQueueRequest(MaxConcurrency: 3)).ShouldBeAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/queues/batch/pause", null).ShouldBeAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/queues/batch/pause", null).ShouldBeAsync(HttpStatusCode.OK); // already paused: no entry
        await client.PostAsync("/api/v1/queues/batch/resume", null).ShouldBeAsync(HttpStatusCode.OK);
        var schedule = await client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("nightly", "0 2 * * *", "hello",
            Inputs: new() { ["name"] = JsonSerializer.SerializeToElement("input-value-kept-out-of-the-log") })).ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        await client.PatchAsJsonAsync("/api/v1/schedules/nightly", new UpdateScheduleRequest(Cron: "0 3 * * *")).ShouldBeAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/schedules/nightly/pause", null).ShouldBeAsync(HttpStatusCode.OK);
        await client.PostAsync($"/api/v1/schedules/{schedule.Id}/resume", null).ShouldBeAsync(HttpStatusCode.OK);
        await client.DeleteAsync($"/api/v1/schedules/{schedule.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("de", ["mon", "tue"])).ShouldBeAsync(HttpStatusCode.Created);
        await client.PutAsJsonAsync("/api/v1/calendars/de", new CalendarRequest("de", ["mon", "tue", "wed"])).ShouldBeAsync(HttpStatusCode.OK);
        await client.PutAsJsonAsync("/api/v1/calendars/fr", new CalendarRequest("fr")).ShouldBeAsync(HttpStatusCode.Created);
        await client.DeleteAsync("/api/v1/calendars/de").ShouldBeAsync(HttpStatusCode.NoContent);
        await client.DeleteAsync("/api/v1/calendars/nope").ShouldBeAsync(HttpStatusCode.NotFound); // refused: no entry

        var entries = await AuditAsync(client);

        Assert.Equal(
        [
            "calendar.deleted", "calendar.created", "calendar.updated", "calendar.created",
            "schedule.deleted", "schedule.resumed", "schedule.paused", "schedule.updated", "schedule.created",
            "queue.resumed", "queue.paused", "queue.updated", "queue.created",
            "enrollment_token.revoked", "enrollment_token.created", "api_key.revoked", "api_key.created",
            "tenant.created",
        ], entries.Select(e => e.Action));
        var byTenantAdmin = entries.Where(e => e.Action != "tenant.created").ToList();
        Assert.All(byTenantAdmin, e => Assert.Equal(("api_key", adminKeyId, tenant.Tenant.Id, "admin", false, "127.0.0.1", tenant.Tenant.Id),
            (e.Actor.Type, e.Actor.KeyId, e.Actor.TenantId, e.Actor.Role, e.Actor.SystemAdmin, e.SourceAddress, e.TenantId)));
        Assert.Equal(("api_key", key.Key.Id), (entries.Single(e => e.Action == "api_key.revoked").TargetType, entries.Single(e => e.Action == "api_key.revoked").TargetId));
        Assert.All(entries.Where(e => e.TargetType == "schedule"), e => Assert.Equal(schedule.Id, e.TargetId));
        var scheduleChange = entries.Single(e => e.Action == "schedule.updated").Summary.GetProperty("changes");
        Assert.Equal(("0 2 * * *", "0 3 * * *"), (scheduleChange.GetProperty("cron").GetProperty("from").GetString(), scheduleChange.GetProperty("cron").GetProperty("to").GetString()));
        Assert.Equal(3, entries.Single(e => e.Action == "queue.updated").Summary.GetProperty("changes").GetProperty("maxConcurrency").GetProperty("to").GetInt32());
        Assert.Equal("ci", entries.Single(e => e.Action == "api_key.created").Summary.GetProperty("created").GetProperty("name").GetString());
        var raw = JsonSerializer.Serialize(entries);
        Assert.DoesNotContain("input-value-kept-out-of-the-log", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Secret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Secret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(webhookSecret, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_changes_say_a_secret_changed_without_showing_it()
    {
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await server.CreateTenantAsync();
        const string first = "whsec_audit_must_never_show_this_0003";
        const string second = "whsec_audit_must_never_show_this_0004";
        var webhook = await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/hook", ["job.failed"], first))
            .ReadAsync<CreatedWebhookDto>(HttpStatusCode.Created);
        await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{webhook.Webhook.Id}", new UpdateWebhookRequest(Secret: second, Enabled: false)).ShouldBeAsync(HttpStatusCode.OK);
        await tenant.Client.DeleteAsync($"/api/v1/webhooks/{webhook.Webhook.Id}").ShouldBeAsync(HttpStatusCode.NoContent);

        var entries = await AuditAsync(tenant.Client, "&action=webhook.*");

        Assert.Equal(["webhook.deleted", "webhook.updated", "webhook.created"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(webhook.Webhook.Id, e.TargetId));
        Assert.Equal("(secret)", entries[2].Summary.GetProperty("created").GetProperty("secret").GetString());
        var changes = entries[1].Summary.GetProperty("changes");
        Assert.True(changes.GetProperty("secret").GetProperty("changed").GetBoolean());
        Assert.False(changes.GetProperty("secret").TryGetProperty("to", out _));
        Assert.False(changes.GetProperty("enabled").GetProperty("to").GetBoolean());
        var raw = JsonSerializer.Serialize(entries);
        Assert.DoesNotContain(first, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(second, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("bsec1:", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_and_quota_changes_by_a_system_admin_land_in_that_tenants_log_and_the_system_view()
    {
        using var admin = _server.Client();
        var systemKeyId = await KeyIdAsync(admin);
        using var tenant = await _server.CreateTenantAsync(tier: "standard");
        await admin.PatchAsJsonAsync($"/api/v1/tenants/{tenant.Tenant.Id}", new UpdateTenantRequest("professional", new QuotaOverrides(Agents: 7)))
            .ShouldBeAsync(HttpStatusCode.OK);
        await admin.PatchAsJsonAsync($"/api/v1/tenants/{tenant.Tenant.Id}", new UpdateTenantRequest(Quotas: new QuotaOverrides(Agents: -1)))
            .ShouldBeAsync(HttpStatusCode.BadRequest);

        var entries = await AuditAsync(tenant.Client);

        Assert.Equal(["tenant.updated", "tenant.created"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal((systemKeyId, true, tenant.Tenant.Id), (e.Actor.KeyId, e.Actor.SystemAdmin, e.TargetId)));
        var changes = entries[0].Summary.GetProperty("changes");
        Assert.Equal(("standard", "professional"), (changes.GetProperty("tier").GetProperty("from").GetString(), changes.GetProperty("tier").GetProperty("to").GetString()));
        Assert.Equal(7, changes.GetProperty("quotas").GetProperty("to").GetProperty("agents").GetInt32());

        var system = await admin.GetAsync($"/api/v1/system/audit?tenant={tenant.Tenant.Id}").ReadAsync<ListResponse<AuditEntryDto>>();
        Assert.Equal(entries.Select(e => e.Id), system.Items.Select(e => e.Id));
        var everything = await admin.GetAsync("/api/v1/system/audit?limit=500").ReadAsync<ListResponse<AuditEntryDto>>();
        Assert.Contains(everything.Items, e => e.Action == "api_key.created" && e.Actor.Type == "system"); // the bootstrap key
        Assert.Superset(entries.Select(e => e.Id).ToHashSet(), everything.Items.Select(e => e.Id).ToHashSet());
    }

    [Fact]
    public async Task Filters_and_a_cursor_page_through_the_log_and_bad_filters_are_refused()
    {
        using var tenant = await _server.CreateTenantAsync();
        for (var i = 0; i < 5; i++) await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("q" + i)).ShouldBeAsync(HttpStatusCode.Created);
        var all = await AuditAsync(tenant.Client, "&action=queue.created");
        Assert.Equal(5, all.Count);

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await tenant.Client.GetAsync("/api/v1/audit?action=queue.*&limit=2" + (cursor is null ? "" : "&cursor=" + cursor)).ReadAsync<ListResponse<AuditEntryDto>>();
            Assert.InRange(page.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(e => e.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(all.Select(e => e.Id), seen.Distinct());
        Assert.Equal(["q3"], (await AuditAsync(tenant.Client, "&targetType=queue&targetId=q3")).Select(e => e.TargetId));
        Assert.Equal(5, (await AuditAsync(tenant.Client, "&actor=" + await KeyIdAsync(tenant.Client))).Count);
        Assert.Empty(await AuditAsync(tenant.Client, "&since=" + Uri.EscapeDataString(TimeProvider.System.GetUtcNow().AddMinutes(5).ToString("O"))));

        foreach (var bad in new[] { "limit=0", "limit=501", "cursor=abc", "action=DROP", "action=*", "since=yesterday", "targetId=" + new string('x', 300) })
        {
            var problem = await tenant.Client.GetAsync("/api/v1/audit?" + bad).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
            Assert.Equal(bad.Split('=')[0], problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task A_tenant_reads_only_its_own_log_and_only_admins_read_it()
    {
        using var a = await _server.CreateTenantAsync();
        using var b = await _server.CreateTenantAsync();
        await a.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("only-a")).ShouldBeAsync(HttpStatusCode.Created);

        // Another tenant's entries never show, even when asked for by their target.
        Assert.DoesNotContain(await AuditAsync(b.Client), e => e.TenantId == a.Tenant.Id);
        Assert.Empty(await AuditAsync(b.Client, "&targetType=queue&targetId=only-a"));
        Assert.Empty(await AuditAsync(b.Client, "&actor=" + await KeyIdAsync(a.Client)));

        // Weaker roles are refused; tenant admins cannot read the system view.
        foreach (var role in new[] { "operator", "viewer" })
        {
            var key = await a.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest(role, role)).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
            using var weaker = _server.Client(key.Secret);
            await weaker.GetAsync("/api/v1/audit").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
            await weaker.GetAsync("/api/v1/system/audit").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        }
        await a.Client.GetAsync("/api/v1/system/audit").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await a.Client.GetAsync($"/api/v1/system/audit?tenant={b.Tenant.Id}").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        using var anonymous = _server.Client(bearer: null);
        await anonymous.GetAsync("/api/v1/audit").ShouldBeAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Shared_pool_enrollment_tokens_are_audited_under_the_pool()
    {
        using var admin = _server.Client();
        var created = await admin.PostAsJsonAsync("/api/v1/shared-pool/enrollment-tokens", new CreateEnrollmentTokenRequest("fleet"))
            .ReadAsync<CreatedEnrollmentTokenDto>(HttpStatusCode.Created);
        await admin.DeleteAsync($"/api/v1/shared-pool/enrollment-tokens/{created.Token.Id}").ShouldBeAsync(HttpStatusCode.NoContent);

        var entries = (await admin.GetAsync("/api/v1/system/audit?targetType=shared_enrollment_token").ReadAsync<ListResponse<AuditEntryDto>>()).Items;

        Assert.Equal(["shared_enrollment_token.revoked", "shared_enrollment_token.created"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal((Core.Dispatch.FairShare.SharedPool.TenantId, created.Token.Id), (e.TenantId, e.TargetId)));
    }
}
