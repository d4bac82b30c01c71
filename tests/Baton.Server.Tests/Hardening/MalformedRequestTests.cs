using System.Net;
using System.Text;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// Whatever reaches the application gets a problem+json answer that says why: every mapped route is called
/// with malformed route values, the wrong method, a body that is not JSON and a body of the wrong type.
/// </summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly string[] BadValues = ["%ZZ", "a/../../b", "\u00e9\u0301\ud83d\ude00", "-1", new string('x', 2_000), " "];

    [Fact]
    public async Task Every_error_from_every_route_is_problem_json()
    {
        using var admin = _server.Client();
        using var anonymous = _server.Client(null);
        var failures = new List<string>();
        var routes = EndpointTable.Read(_server);
        Assert.True(routes.Count > 50, $"only {routes.Count} routes were found");
        foreach (var route in routes)
        {
            // Event streams and log follows stay open when they succeed; they are covered by their bad values only.
            var streaming = route.Template.EndsWith("/stream", StringComparison.Ordinal);
            foreach (var bad in route.Parameters.Count > 0 ? BadValues : [""])
            {
                var path = route.Fill(_ => bad);
                foreach (var (client, body) in new[] { (admin, "{not json"), (admin, "[1,2,3]"), (anonymous, "{}") })
                {
                    if (streaming && client == admin) continue;
                    using var request = new HttpRequestMessage(route.Method(), path);
                    if (route.Method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                    await Check(response, $"{route.Method} {path[..Math.Min(path.Length, 120)]} ({(client == admin ? "admin" : "anonymous")}, {body})", failures);
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public async Task A_wrong_method_says_which_methods_the_route_takes()
    {
        using var admin = _server.Client();
        var problem = await admin.PutAsync("/api/v1/jobs", null).ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);
        Assert.Contains("GET", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_names_the_parameter_in_plain_words()
    {
        using var admin = _server.Client();
        var problem = await admin.GetAsync("/api/v1/jobs?limit=abc").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("limit", problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'abc'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Nullable", detail, StringComparison.Ordinal);
    }

    private static async Task Check(HttpResponseMessage response, string what, List<string> failures)
    {
        var status = (int)response.StatusCode;
        if (status < 400) return;
        var body = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{what}: {status} with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, body '{body[..Math.Min(body.Length, 200)]}'");
            return;
        }
        using var problem = JsonDocument.Parse(body);
        var root = problem.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
        if (type is null || !type.StartsWith("https://baton.dev/problems/", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(detail))
        {
            failures.Add($"{what}: {status} problem without a Baton type or a detail: {body[..Math.Min(body.Length, 300)]}");
        }
        else if (body.Length > 4_000)
        {
            failures.Add($"{what}: {status} problem of {body.Length} characters (echoed input?)");
        }
    }
}
