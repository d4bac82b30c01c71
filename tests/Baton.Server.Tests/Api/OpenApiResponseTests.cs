using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Api;

/// <summary>
/// Real answers fit the schemas the document gives them, which is what a generated client relies on: every GET of the
/// API that needs no path parameter (and a few that do, on real data) is called, and its JSON has no member its schema
/// leaves out (an internal member such as <c>isEmpty</c> would be one) and no JSON type the schema does not allow.
/// </summary>
public sealed class OpenApiResponseTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_readable_answer_fits_its_documented_schema()
    {
        using var admin = _server.Client();
        var root = JsonDocument.Parse(await admin.GetStringAsync("/openapi/v1.json")).RootElement.Clone();

        // Data in every list that matters, so the items are checked too (a tenant with quota overrides, for isEmpty).
        using var tenant = await _server.CreateTenantAsync(quotas: new QuotaOverridesInput(Agents: 3));
        Assert.Equal(System.Net.HttpStatusCode.Created, (await admin.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello()))).StatusCode);
        var job = await (await admin.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Priority: 2))).Content.ReadFromJsonAsync<JobDto>(ServerHarness.Json);
        (await admin.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports"))).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("office", Holidays: [new DateOnly(2030, 1, 1)]))).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("openapi"))).EnsureSuccessStatusCode();

        var concrete = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/api/v1/jobs/{jobId}"] = $"/api/v1/jobs/{job!.Id}",
            ["/api/v1/jobs/{jobId}/events"] = $"/api/v1/jobs/{job.Id}/events",
            ["/api/v1/jobs/{jobId}/logs"] = $"/api/v1/jobs/{job.Id}/logs",
            ["/api/v1/jobs/{jobId}/logs/compact"] = $"/api/v1/jobs/{job.Id}/logs/compact",
            ["/api/v1/jobs/{jobId}/why"] = $"/api/v1/jobs/{job.Id}/why",
            ["/api/v1/packages/{name}"] = "/api/v1/packages/hello",
            ["/api/v1/packages/{name}/{version}"] = "/api/v1/packages/hello/1.0.0",
            ["/api/v1/queues/{name}"] = "/api/v1/queues/reports",
            ["/api/v1/calendars/{name}"] = "/api/v1/calendars/office",
            ["/api/v1/tenants/{tenantId}"] = $"/api/v1/tenants/{tenant.Tenant.Id}",
        };
        var misfits = new List<string>();
        var checkedPaths = new List<string>();
        foreach (var (method, path, op) in OpenApiShapes.Operations(root))
        {
            if (method != "get" || !TryJsonSchema(op, out var schema)) continue;
            var url = concrete.GetValueOrDefault(path) ?? (path.Contains('{', StringComparison.Ordinal) ? null : path);
            // Long polls and streams are not one answer to read.
            if (url is null || path.EndsWith("/wait", StringComparison.Ordinal)) continue;
            using var response = await admin.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            // Some reads need a query (the autoscaler's target); their 400 is a problem, checked elsewhere.
            if (!response.IsSuccessStatusCode) continue;
            Assert.DoesNotContain("\"isEmpty\"", body, StringComparison.Ordinal);
            misfits.AddRange(OpenApiShapes.Misfits(JsonDocument.Parse(body).RootElement, schema, root).Select(m => $"GET {url}: {m}"));
            checkedPaths.Add(path);
        }
        Assert.True(misfits.Count == 0, string.Join('\n', misfits));
        Assert.True(checkedPaths.Count >= 30, $"only {checkedPaths.Count} answers checked: {string.Join(", ", checkedPaths)}");
        Assert.Contains("/api/v1/tenants/{tenantId}", checkedPaths);
        Assert.Contains("/api/v1/packages/{name}/{version}", checkedPaths);
    }

    private static bool TryJsonSchema(JsonElement op, out JsonElement schema)
    {
        schema = default;
        return op.GetProperty("responses").TryGetProperty("200", out var ok)
            && ok.TryGetProperty("content", out var content)
            && content.TryGetProperty("application/json", out var json)
            && json.TryGetProperty("schema", out schema);
    }
}
