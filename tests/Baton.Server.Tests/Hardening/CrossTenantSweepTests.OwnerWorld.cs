using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

public sealed partial class CrossTenantSweepTests
{
    /// <summary>One of every kind of object, owned by one tenant, with the values the sweep fills routes with.</summary>
    private sealed class OwnerWorld(TestTenant owner, Dictionary<string, string> values, SimulatedAgent agent)
    {
        // A work-item queue's name is a label of orchestrator_workitem_queue_depth on /metrics, like a job queue's (by design:
        // /metrics names the most active tenants and their queues; Metrics:ScrapeToken closes it), so it is not a secret here.
        public IReadOnlyList<string> Distinctive => [.. values.Where(v => v.Key is not ("version" or "tenantId" or "name" or "deliveryId" or "queue")).Select(v => v.Value)];

        /// <summary>The owner's value for a route parameter; names and ids mean the object of the route's collection.</summary>
        public string Value(string template, string parameter)
        {
            var key = (parameter, template) switch
            {
                ("name", _) when template.StartsWith("/api/v1/queues", StringComparison.Ordinal) => "queueName",
                ("name", _) when template.StartsWith("/api/v1/calendars", StringComparison.Ordinal) => "calendarName",
                ("name", _) when template.StartsWith("/api/v1/assets", StringComparison.Ordinal) => "assetName",
                ("group", _) => "assetGroup",
                ("id", _) when template.StartsWith("/api/v1/schedules", StringComparison.Ordinal) => "scheduleId",
                ("id", _) when template.StartsWith("/api/v1/webhooks", StringComparison.Ordinal) => "webhookId",
                ("id", _) => throw new InvalidOperationException($"The sweep does not know what {{id}} means in {template}: add it to OwnerWorld.Value."),
                _ => parameter,
            };
            return values.TryGetValue(key, out var value)
                ? value
                : throw new InvalidOperationException($"The sweep has no value for route parameter '{parameter}' of {template}: add one to OwnerWorld.");
        }

        public static async Task<OwnerWorld> CreateAsync(ServerHarness server, TestTenant owner)
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var c = owner.Client;
            var package = TestPackages.Hello();
            var uploaded = await c.PostAsync("/api/v1/packages", TestPackages.Content(package)).ReadAsync<PackageUploadResponse>(HttpStatusCode.Created);
            var job = await c.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
            await c.PostAsJsonAsync("/api/v1/queues", new { name = "owned-q-" + suffix, priority = 2 }).ShouldBeAsync(HttpStatusCode.Created);
            await c.PostAsJsonAsync("/api/v1/calendars", new { name = "owned-c-" + suffix, workingDays = new[] { "mon" } }).ShouldBeAsync(HttpStatusCode.Created);
            var schedule = await c.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("owned-s-" + suffix, "0 2 * * *", "hello"))
                .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
            var webhook = await c.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest("https://93.184.216.34/owned-" + suffix, Description: "owned"))
                .ReadAsync<CreatedWebhookDto>(HttpStatusCode.Created);
            var key = await c.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("owned-k-" + suffix, "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
            var token = await c.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("owned-t-" + suffix)).ReadAsync<CreatedEnrollmentTokenDto>(HttpStatusCode.Created);
            var agent = await SimulatedAgent.RegisterAsync(server, owner, "owned-agent-" + suffix);
            await c.PutAsJsonAsync("/api/v1/assets/owned-a-" + suffix, new { type = "credential", username = "owned-u-" + suffix, secret = "owned-secret-" + suffix })
                .ShouldBeAsync(HttpStatusCode.Created);
            await c.PutAsJsonAsync($"/api/v1/assets/owned-a-{suffix}/overrides/owned-g-{suffix}", new { secret = "owned-group-secret-" + suffix })
                .ShouldBeAsync(HttpStatusCode.OK);
            var workItem = await c.PostAsJsonAsync($"/api/v1/workitem-queues/owned-wq-{suffix}/items", new { items = new[] { new { reference = "owned-ref-" + suffix } } })
                .ReadAsync<AddWorkItemsResponse>(HttpStatusCode.Created);
            // At least 10,000 items before it starts a job: the sweep's one item never sets it off.
            await c.PutAsJsonAsync($"/api/v1/workitem-queues/owned-wq-{suffix}/trigger", new SetWorkItemTriggerRequest("hello", MaxJobs: 3, MinItems: 10_000))
                .ShouldBeAsync(HttpStatusCode.Created);
            var values = new Dictionary<string, string>
            {
                ["jobId"] = job.Id,
                ["name"] = "hello",
                ["version"] = uploaded.Package.Version,
                ["sha256"] = uploaded.Package.Sha256,
                ["queueName"] = "owned-q-" + suffix,
                ["calendarName"] = "owned-c-" + suffix,
                ["scheduleId"] = schedule.Id,
                ["webhookId"] = webhook.Webhook.Id,
                ["deliveryId"] = "dlv-none",
                ["keyId"] = key.Key.Id,
                ["tokenId"] = token.Token.Id,
                ["agentId"] = agent.Id,
                ["tenantId"] = owner.Tenant.Id,
                ["assetName"] = "owned-a-" + suffix,
                ["assetGroup"] = "owned-g-" + suffix,
                ["assetSecret"] = "owned-secret-" + suffix,
                ["assetGroupSecret"] = "owned-group-secret-" + suffix,
                ["queue"] = "owned-wq-" + suffix,
                ["itemId"] = workItem.Items[0].Id,
                ["childId"] = job.Id,
            };
            return new OwnerWorld(owner, values, agent);
        }

        /// <summary>The owner's objects as the owner reads them, without fields that move on their own.</summary>
        public async Task<Dictionary<string, string>> SnapshotAsync()
        {
            var c = owner.Client;
            var reads = new Dictionary<string, string>
            {
                ["job"] = $"/api/v1/jobs/{values["jobId"]}",
                ["queue"] = $"/api/v1/queues/{values["queueName"]}",
                ["calendar"] = $"/api/v1/calendars/{values["calendarName"]}",
                ["schedule"] = $"/api/v1/schedules/{values["scheduleId"]}",
                ["webhook"] = $"/api/v1/webhooks/{values["webhookId"]}",
                ["package"] = $"/api/v1/packages/hello/{values["version"]}",
                ["keys"] = "/api/v1/keys",
                ["enrollment tokens"] = "/api/v1/enrollment-tokens",
                ["agent"] = $"/api/v1/agents/{agent.Id}",
                ["asset"] = $"/api/v1/assets/{values["assetName"]}",
                ["work item"] = $"/api/v1/workitem-queues/{values["queue"]}/items/{values["itemId"]}",
                ["work item trigger"] = $"/api/v1/workitem-queues/{values["queue"]}/trigger",
            };
            var snapshot = new Dictionary<string, string>();
            foreach (var (what, path) in reads)
            {
                var node = JsonNode.Parse(await c.GetAsync(path).ShouldBeAsync(HttpStatusCode.OK).Result.Content.ReadAsStringAsync())!;
                snapshot[what] = Stable(node).ToJsonString();
            }
            return snapshot;
        }

        private static JsonNode Stable(JsonNode node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var key in obj.Select(p => p.Key).ToList())
                    {
                        if (key.StartsWith("last", StringComparison.OrdinalIgnoreCase) || key is "nextFireAt" or "usage" or "resources" or "state" && obj["lastHeartbeatAt"] is not null) obj.Remove(key);
                        else if (obj[key] is { } child) Stable(child);
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array) if (child is not null) Stable(child);
                    break;
            }
            return node;
        }
    }
}
