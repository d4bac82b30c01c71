using System.Text.Json;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>The audit log: appended per tenant, read newest first with filters and a cursor, across tenants only when asked.</summary>
public abstract class AuditStoreContractTests : StoreContractTests
{
    private static readonly AuditActor Admin = new(AuditActor.ApiKeyType, "k-admin", "t-acme", "admin", IsSystemAdmin: false);
    private static readonly AuditActor Operator = new(AuditActor.ApiKeyType, "k-op", "t-acme", "operator", IsSystemAdmin: false);

    private async Task<AuditEntryRecord> AppendAsync(string tenant, string action, string targetType, string targetId, AuditActor? actor = null)
    {
        var entry = await Store.Audit.AppendAsync(new NewAuditEntry(tenant, Time.GetUtcNow(), actor ?? Admin, action, targetType, targetId, "203.0.113.7",
            JsonSerializer.SerializeToElement(new { name = new { from = "a", to = "b" } })), Ct);
        Time.Advance(TimeSpan.FromSeconds(1));
        return entry;
    }

    [Fact]
    public async Task Entries_are_kept_as_written_and_read_newest_first_within_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var at = Time.GetUtcNow();
        var first = await AppendAsync(acme, "api_key.created", "api_key", "k-1");
        var other = await AppendAsync(globex, "webhook.created", "webhook", "wh-1");
        var second = await AppendAsync(acme, "api_key.revoked", "api_key", "k-1", Operator);

        var page = await Store.Audit.ListAsync(new AuditQuery(acme, 50), Ct);

        Assert.Equal([second.Id, first.Id], page.Select(e => e.Id));
        Assert.True(second.Id > first.Id);
        var read = page[1];
        Assert.Equal((acme, at, Admin, "api_key.created", "api_key", "k-1", "203.0.113.7"),
            (read.TenantId, read.At, read.Actor, read.Action, read.TargetType, read.TargetId, read.SourceAddress));
        Assert.Equal("b", read.Summary.GetProperty("name").GetProperty("to").GetString());
        Assert.Equal(Operator, page[0].Actor);
        Assert.Equal([other.Id], (await Store.Audit.ListAsync(new AuditQuery(globex, 50), Ct)).Select(e => e.Id));
        Assert.Equal([second.Id, other.Id, first.Id], (await Store.Audit.ListAsync(new AuditQuery(null, 50), Ct)).Select(e => e.Id));
    }

    [Fact]
    public async Task Filters_narrow_by_action_actor_target_and_time_and_a_cursor_pages_back()
    {
        var acme = await CreateTenantAsync("acme");
        var keyCreated = await AppendAsync(acme, "api_key.created", "api_key", "k-1");
        var webhookCreated = await AppendAsync(acme, "webhook.created", "webhook", "wh-1", Operator);
        var webhookUpdated = await AppendAsync(acme, "webhook.updated", "webhook", "wh-1");
        var webhookOther = await AppendAsync(acme, "webhook.deleted", "webhook", "wh-2");
        var lookalike = await AppendAsync(acme, "webhooks_x.created", "thing", "x");

        async Task<IEnumerable<long>> Ids(AuditQuery query) => (await Store.Audit.ListAsync(query, Ct)).Select(e => e.Id);

        Assert.Equal([keyCreated.Id], await Ids(new AuditQuery(acme, 50, Action: "api_key.created")));
        Assert.Equal([webhookOther.Id, webhookUpdated.Id, webhookCreated.Id], await Ids(new AuditQuery(acme, 50, Action: "webhook.*")));
        Assert.Equal([webhookCreated.Id], await Ids(new AuditQuery(acme, 50, ActorKeyId: "k-op")));
        Assert.Equal([webhookUpdated.Id, webhookCreated.Id], await Ids(new AuditQuery(acme, 50, TargetType: "webhook", TargetId: "wh-1")));
        Assert.Equal([webhookUpdated.Id, webhookCreated.Id], await Ids(new AuditQuery(acme, 50, Since: webhookCreated.At, Until: webhookOther.At)));
        Assert.Equal([lookalike.Id, webhookOther.Id], await Ids(new AuditQuery(acme, 2)));
        Assert.Equal([webhookUpdated.Id, webhookCreated.Id], await Ids(new AuditQuery(acme, 2, Before: webhookOther.Id)));
        Assert.Equal([keyCreated.Id], await Ids(new AuditQuery(acme, 2, Before: webhookCreated.Id)));
        Assert.Empty(await Ids(new AuditQuery(acme, 2, Before: keyCreated.Id)));
    }

    [Fact]
    public async Task Parallel_appends_all_land_with_distinct_ids()
    {
        var acme = await CreateTenantAsync("acme");
        var entries = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Store.Audit.AppendAsync(new NewAuditEntry(
            acme, Time.GetUtcNow(), Admin, "queue.created", "queue", "q-" + i, null, JsonSerializer.SerializeToElement(new { i })), Ct)));

        Assert.Equal(30, entries.Select(e => e.Id).Distinct().Count());
        Assert.Equal(30, (await Store.Audit.ListAsync(new AuditQuery(acme, 500), Ct)).Count);
    }
}
