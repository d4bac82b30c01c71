using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// The cross-tenant and role sweep, generated from the server's endpoint table: every mapped route must be
/// classified below (a new route that is not fails the suite), and every route is then called by another
/// tenant with this tenant's ids and names, and by each weaker role of this tenant. Another tenant gets
/// 404 (or 403 on system routes) and never sees anything of this tenant's; a weaker role gets 403; and
/// this tenant's objects are unchanged afterwards.
/// </summary>
public sealed partial class CrossTenantSweepTests : IAsyncLifetime
{
    private enum Kind
    {
        /// <summary>Takes this tenant's ids or names: another tenant gets 404.</summary>
        Owned,
        /// <summary>Acts on the caller's own tenant only (lists, creations, whoami): another tenant sees nothing of this one's.</summary>
        OwnTenant,
        /// <summary>System administrators only: a tenant admin gets 403.</summary>
        System,
        /// <summary>The agent protocol: another tenant's agent gets 404 for this tenant's ids.</summary>
        Agent,
        /// <summary>Needs no credential and shows no tenant's data.</summary>
        Public,
    }

    private sealed record Rule(Kind Kind, string? Policy, string? Body = null);

    private const string V = "viewer", O = "operator", A = "admin", S = "system-admin", G = "agent";

    /// <summary>Every route the server maps. Add a new route here with its kind, its least role and a valid body.</summary>
    private static readonly Dictionary<string, Rule> Routes = new()
    {
        ["GET /"] = new(Kind.Public, null),
        ["GET /sign-in"] = new(Kind.Public, null),
        ["GET /jobs"] = new(Kind.Public, null),
        ["GET /jobs/{jobId}"] = new(Kind.Public, null),
        ["GET /packages"] = new(Kind.Public, null),
        ["GET /packages/{name}"] = new(Kind.Public, null),
        ["GET /schedules"] = new(Kind.Public, null),
        ["GET /agents"] = new(Kind.Public, null),
        ["GET /assets-and-credentials"] = new(Kind.Public, null),
        ["GET /work-items"] = new(Kind.Public, null),
        ["GET /work-items/{queue}"] = new(Kind.Public, null),
        ["GET /events"] = new(Kind.Public, null),
        ["GET /system"] = new(Kind.Public, null),
        ["POST /api/v1/auth/session"] = new(Kind.Public, null, """{"apiKey":"bk_nothing"}"""),
        ["GET /api/v1/auth/session"] = new(Kind.OwnTenant, V),
        ["DELETE /api/v1/auth/session"] = new(Kind.Public, null),
        ["GET /api/v1/overview"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/overview/stream"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/jobs/{jobId}/stream"] = new(Kind.Owned, V),
        ["GET /api/v1/schedules/preview"] = new(Kind.OwnTenant, V),
        ["GET /healthz"] = new(Kind.Public, null),
        ["GET /readyz"] = new(Kind.Public, null),
        ["GET /metrics"] = new(Kind.Public, null),
        ["GET /openapi/v1.json"] = new(Kind.Public, null),
        ["POST /api/v1/auth/token"] = new(Kind.Public, null, """{"apiKey":"bk_nothing"}"""),
        ["POST /api/agent/v1/register"] = new(Kind.Public, null, """{"enrollmentToken":"nothing","name":"x"}"""),
        ["GET /api/v1/me"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/tenant"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/usage"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/audit"] = new(Kind.OwnTenant, A),
        ["GET /api/v1/keys"] = new(Kind.OwnTenant, A),
        ["POST /api/v1/keys"] = new(Kind.OwnTenant, A, """{"name":"sweep","role":"viewer"}"""),
        ["PATCH /api/v1/keys/{keyId}"] = new(Kind.Owned, A, """{"role":"viewer"}"""),
        ["DELETE /api/v1/keys/{keyId}"] = new(Kind.Owned, A),
        ["GET /api/v1/enrollment-tokens"] = new(Kind.OwnTenant, A),
        ["POST /api/v1/enrollment-tokens"] = new(Kind.OwnTenant, A, """{"name":"sweep"}"""),
        ["DELETE /api/v1/enrollment-tokens/{tokenId}"] = new(Kind.Owned, A),
        ["GET /api/v1/agents"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/agents/{agentId}"] = new(Kind.Owned, V),
        ["GET /api/v1/packages"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/packages"] = new(Kind.OwnTenant, O, "not a zip"),
        ["GET /api/v1/packages/{name}"] = new(Kind.Owned, V),
        ["GET /api/v1/packages/{name}/{version}"] = new(Kind.Owned, V),
        ["GET /api/v1/packages/{name}/{version}/download"] = new(Kind.Owned, V),
        ["DELETE /api/v1/packages/{name}/{version}"] = new(Kind.Owned, O),
        ["GET /api/v1/jobs"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/jobs"] = new(Kind.Owned, O, """{"package":"{name}"}"""),
        ["POST /api/v1/jobs/batch"] = new(Kind.OwnTenant, O, """{"jobs":[{"package":"{name}"}]}"""),
        ["GET /api/v1/jobs/{jobId}"] = new(Kind.Owned, V),
        ["PATCH /api/v1/jobs/{jobId}"] = new(Kind.Owned, O, """{"priority":9}"""),
        ["POST /api/v1/jobs/{jobId}/cancel"] = new(Kind.Owned, O),
        ["GET /api/v1/jobs/{jobId}/events"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/why"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/logs"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/logs/compact"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/wait"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/artifacts"] = new(Kind.Owned, V),
        ["GET /api/v1/jobs/{jobId}/artifacts/{**name}"] = new(Kind.Owned, V),
        ["GET /api/v1/queues"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/queues"] = new(Kind.OwnTenant, O, """{"name":"sweep-q"}"""),
        ["GET /api/v1/queues/{name}"] = new(Kind.Owned, V),
        ["PATCH /api/v1/queues/{name}"] = new(Kind.Owned, O, """{"priority":9}"""),
        ["POST /api/v1/queues/{name}/pause"] = new(Kind.Owned, O),
        ["POST /api/v1/queues/{name}/resume"] = new(Kind.Owned, O),
        ["GET /api/v1/schedules"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/schedules"] = new(Kind.OwnTenant, O, """{"name":"sweep-s","cron":"0 3 * * *","package":"{name}"}"""),
        ["GET /api/v1/schedules/upcoming"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/schedules/{id}"] = new(Kind.Owned, V),
        ["PATCH /api/v1/schedules/{id}"] = new(Kind.Owned, O, """{"priority":9}"""),
        ["DELETE /api/v1/schedules/{id}"] = new(Kind.Owned, O),
        ["POST /api/v1/schedules/{id}/pause"] = new(Kind.Owned, O),
        ["POST /api/v1/schedules/{id}/resume"] = new(Kind.Owned, O),
        ["GET /api/v1/schedules/{id}/next"] = new(Kind.Owned, V),
        ["GET /api/v1/calendars"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/calendars"] = new(Kind.OwnTenant, O, """{"name":"sweep-c","workingDays":["mon"]}"""),
        ["PUT /api/v1/calendars/{name}"] = new(Kind.OwnTenant, O, """{"workingDays":["tue"]}"""),
        ["GET /api/v1/calendars/{name}"] = new(Kind.Owned, V),
        ["DELETE /api/v1/calendars/{name}"] = new(Kind.Owned, O),
        ["GET /api/v1/webhooks"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/webhooks"] = new(Kind.OwnTenant, O, """{"url":"https://93.184.216.34/sweep"}"""),
        ["GET /api/v1/webhooks/{id}"] = new(Kind.Owned, V),
        ["PATCH /api/v1/webhooks/{id}"] = new(Kind.Owned, O, """{"description":"changed by another tenant"}"""),
        ["DELETE /api/v1/webhooks/{id}"] = new(Kind.Owned, O),
        ["GET /api/v1/webhooks/{id}/deliveries"] = new(Kind.Owned, V),
        ["POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver"] = new(Kind.Owned, O),
        ["POST /api/v1/webhooks/{id}/test"] = new(Kind.Owned, O),
        ["GET /api/v1/assets"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/assets/{name}"] = new(Kind.Owned, V),
        // Refused for want of a secret: a valid PUT would give the other tenant an asset of this name, and the routes after it would find that one.
        ["PUT /api/v1/assets/{name}"] = new(Kind.OwnTenant, O, """{"type":"credential","username":"intruder"}"""),
        ["DELETE /api/v1/assets/{name}"] = new(Kind.Owned, O),
        ["PUT /api/v1/assets/{name}/overrides/{group}"] = new(Kind.Owned, O, """{"username":"intruder","secret":"changed-by-another"}"""),
        ["DELETE /api/v1/assets/{name}/overrides/{group}"] = new(Kind.Owned, O),
        ["POST /api/v1/assets/{name}/reveal"] = new(Kind.Owned, A),
        ["GET /api/v1/events"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/events/stream"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/tenants"] = new(Kind.System, S),
        ["POST /api/v1/tenants"] = new(Kind.System, S, """{"name":"sweep-tenant"}"""),
        ["GET /api/v1/tenants/{tenantId}"] = new(Kind.System, S),
        ["PATCH /api/v1/tenants/{tenantId}"] = new(Kind.System, S, """{"tier":"free"}"""),
        ["GET /api/v1/shared-pool/agents"] = new(Kind.System, S),
        ["GET /api/v1/shared-pool/enrollment-tokens"] = new(Kind.System, S),
        ["POST /api/v1/shared-pool/enrollment-tokens"] = new(Kind.System, S, """{"name":"sweep"}"""),
        ["DELETE /api/v1/shared-pool/enrollment-tokens/{tokenId}"] = new(Kind.System, S),
        ["GET /api/v1/system/audit"] = new(Kind.System, S),
        ["GET /api/v1/system/upcoming-fires"] = new(Kind.System, S),
        ["GET /api/v1/system/secrets"] = new(Kind.System, S),
        ["POST /api/v1/system/secrets/rewrap"] = new(Kind.System, S),
        ["GET /api/v1/system/metrics"] = new(Kind.System, S),
        ["PUT /api/v1/system/autoscale/policies"] = new(Kind.System, S),
        ["DELETE /api/v1/system/autoscale/policies"] = new(Kind.System, S),
        ["GET /api/v1/system/autoscale/status"] = new(Kind.System, S),
        ["GET /api/v1/system/autoscale/decisions"] = new(Kind.System, S),
        ["POST /api/v1/system/autoscale/pause"] = new(Kind.System, S),
        ["POST /api/v1/system/autoscale/resume"] = new(Kind.System, S),
        ["GET /api/v1/system/autoscale/forecast"] = new(Kind.System, S),
        ["GET /api/v1/system/autoscale/anomalies"] = new(Kind.System, S),
        ["GET /api/v1/system/autoscale/metrics"] = new(Kind.System, S),
        ["POST /api/agent/v1/poll"] = new(Kind.Agent, G, """{"freeSlots":0,"running":[],"waitSeconds":0}"""),
        ["GET /api/agent/v1/packages/{sha256}"] = new(Kind.Agent, G),
        ["POST /api/agent/v1/jobs/{jobId}/start"] = new(Kind.Agent, G, """{"attempt":1}"""),
        ["POST /api/agent/v1/jobs/{jobId}/logs"] = new(Kind.Agent, G, """{"attempt":1,"lines":[]}"""),
        ["POST /api/agent/v1/jobs/{jobId}/complete"] = new(Kind.Agent, G, """{"attempt":1,"outcome":"succeeded"}"""),
        ["GET /api/agent/v1/jobs/{jobId}/assets/{name}"] = new(Kind.Agent, G),
        ["GET /api/agent/v1/jobs/{jobId}/checkpoint"] = new(Kind.Agent, G),
        ["PUT /api/agent/v1/jobs/{jobId}/checkpoint"] = new(Kind.Agent, G, """{"attempt":1,"state":{"page":1}}"""),
        ["POST /api/agent/v1/jobs/{jobId}/artifacts"] = new(Kind.Agent, G, "artifact bytes"),
        // Work-item queues are names in the caller's own tenant: another tenant reading or adding to the same name acts on its own queue.
        ["GET /api/v1/workitem-queues"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/workitem-queues/{queue}"] = new(Kind.OwnTenant, V),
        ["POST /api/v1/workitem-queues/{queue}/items"] = new(Kind.OwnTenant, O, """{"items":[{"reference":"sweep-ref"}]}"""),
        ["GET /api/v1/workitem-queues/{queue}/items"] = new(Kind.OwnTenant, V),
        ["GET /api/v1/workitem-queues/{queue}/items/{itemId}"] = new(Kind.Owned, V),
        // A trigger is addressed by its queue's name in the caller's tenant: another tenant has none there (and not the package).
        ["GET /api/v1/workitem-queues/{queue}/trigger"] = new(Kind.Owned, V),
        ["PUT /api/v1/workitem-queues/{queue}/trigger"] = new(Kind.OwnTenant, O, """{"package":"{name}","maxJobs":2}"""),
        ["DELETE /api/v1/workitem-queues/{queue}/trigger"] = new(Kind.Owned, O),
        ["POST /api/agent/v1/jobs/{jobId}/workitems/claim"] = new(Kind.Agent, G, """{"attempt":1,"queue":"sweep-q"}"""),
        ["POST /api/agent/v1/jobs/{jobId}/workitems/add"] = new(Kind.Agent, G, """{"attempt":1,"queue":"sweep-q","items":[{"reference":"x"}]}"""),
        ["POST /api/agent/v1/jobs/{jobId}/workitems/renew"] = new(Kind.Agent, G, """{"attempt":1}"""),
        ["POST /api/agent/v1/jobs/{jobId}/workitems/release"] = new(Kind.Agent, G, """{"attempt":1}"""),
        ["POST /api/agent/v1/jobs/{jobId}/workitems/{itemId}/complete"] = new(Kind.Agent, G, """{"attempt":1,"leaseToken":"t","outcome":"done"}"""),
        ["POST /api/agent/v1/jobs/{jobId}/children"] = new(Kind.Agent, G, """{"attempt":1,"package":"{name}"}"""),
        ["POST /api/agent/v1/jobs/{jobId}/children/{childId}/wait"] = new(Kind.Agent, G, """{"attempt":1,"timeoutSeconds":0}"""),
    };

    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Every_mapped_route_is_classified_with_the_policy_it_really_has()
    {
        var mapped = EndpointTable.Read(_server);
        var unclassified = mapped.Where(r => !Routes.ContainsKey(r.ToString())).ToList();
        Assert.True(unclassified.Count == 0,
            "Routes not covered by the cross-tenant sweep (classify them in CrossTenantSweepTests.Routes): " + string.Join(", ", unclassified));
        var gone = Routes.Keys.Except(mapped.Select(r => r.ToString())).ToList();
        Assert.True(gone.Count == 0, "Classified routes the server no longer maps: " + string.Join(", ", gone));
        var wrongPolicy = mapped.Where(r => Routes[r.ToString()].Policy != (r.Anonymous ? null : r.Policy))
            .Select(r => $"{r}: mapped with {r.Policy ?? "no policy"}{(r.Anonymous ? " (anonymous)" : "")}, classified {Routes[r.ToString()].Policy ?? "anonymous"}")
            .ToList();
        Assert.True(wrongPolicy.Count == 0, string.Join("\n", wrongPolicy));
    }

    [Fact]
    public async Task Another_tenant_and_weaker_roles_get_nothing_of_this_tenant_on_any_route()
    {
        using var owner = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        var world = await OwnerWorld.CreateAsync(_server, owner);
        using var otherAgent = await SimulatedAgent.RegisterAsync(_server, other, "other-agent");
        using var viewer = _server.Client(await KeyAsync(owner, "viewer"));
        using var operatorClient = _server.Client(await KeyAsync(owner, "operator"));
        var before = await world.SnapshotAsync();

        var failures = new List<string>();
        foreach (var route in EndpointTable.Read(_server))
        {
            var rule = Routes[route.ToString()];
            var path = route.Fill(p => world.Value(route.Template, p));
            var body = rule.Body?.Replace("{name}", world.Value("/api/v1/packages", "name"), StringComparison.Ordinal);

            // Another tenant, with its most powerful tenant key (and its agent on the agent protocol).
            var caller = rule.Kind == Kind.Agent ? otherAgent.Http : other.Client;
            var (status, text) = await CallAsync(caller, route, path, body);
            // A refusal may repeat what the caller sent; anything else of the owner's in the answer is a leak.
            foreach (var secret in world.Distinctive.Where(d => text.Contains(d, StringComparison.Ordinal)
                && !path.Contains(d, StringComparison.Ordinal) && body?.Contains(d, StringComparison.Ordinal) != true))
            {
                failures.Add($"{route} as another tenant: the answer holds the owner's '{secret}'");
            }
            var expected = rule.Kind switch
            {
                Kind.Owned or Kind.Agent when route.Template != "/api/agent/v1/poll" => [HttpStatusCode.NotFound],
                Kind.System => [HttpStatusCode.Forbidden],
                _ => (HttpStatusCode[]?)null,
            };
            if (expected is not null && !expected.Contains(status)) failures.Add($"{route} as another tenant: {(int)status} {Cut(text)}");

            // Each weaker role of the owner itself.
            foreach (var (role, client) in new[] { ("viewer", viewer), ("operator", operatorClient), ("admin", owner.Client) })
            {
                if (!Weaker(role, rule.Policy)) continue;
                var (weakStatus, weakText) = await CallAsync(client, route, path, body);
                if (weakStatus != HttpStatusCode.Forbidden) failures.Add($"{route} as the owner's {role}: {(int)weakStatus} {Cut(weakText)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var after = await world.SnapshotAsync();
        foreach (var (what, json) in before) Assert.True(json == after[what], $"the owner's {what} changed:\n{json}\n{after[what]}");
    }

    private static bool Weaker(string role, string? policy) => (role, policy) switch
    {
        ("viewer", O or A or S) => true,
        ("operator", A or S) => true,
        ("admin", S) => true,
        _ => false,
    };

    private static async Task<(HttpStatusCode Status, string Text)> CallAsync(HttpClient client, MappedRoute route, string path, string? body)
    {
        using var request = new HttpRequestMessage(route.Method(), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, body.StartsWith('{') ? "application/json" : "application/zip");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream") return (response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token));
        // A stream stays open: what it sends in a second and a half is what it would show.
        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        var text = new StringBuilder();
        var buffer = new byte[8192];
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        try
        {
            for (int n; (n = await stream.ReadAsync(buffer, read.Token)) > 0;) text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        catch (OperationCanceledException) when (read.IsCancellationRequested)
        {
        }
        return (response.StatusCode, text.ToString());
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static async Task<string> KeyAsync(TestTenant tenant, string role) =>
        (await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("sweep-" + role, role)).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Secret;
}
