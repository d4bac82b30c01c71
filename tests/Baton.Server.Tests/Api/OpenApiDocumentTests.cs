using System.Text.Json;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Api;

/// <summary>
/// The served OpenAPI document is one a generated client can use: every operation has a unique id, a summary, a tag and
/// its errors as problem details; every operation that needs a caller names the bearer scheme; the package upload's
/// zip body is described; and no computed property of an internal type leaks into a schema.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(string Text, JsonElement Root)> ReadDocumentAsync()
    {
        using var anonymous = _server.Client(bearer: null);
        var text = await anonymous.GetStringAsync("/openapi/v1.json");
        return (text, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_a_tag_and_problem_responses()
    {
        var (_, root) = await ReadDocumentAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var operations = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject().Where(m => Methods.Contains(m.Name)))
            {
                operations++;
                var op = method.Value;
                var where = $"{method.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(op.TryGetProperty("operationId", out var id) && id.GetString() is { Length: > 0 }, $"{where}: no operationId");
                Assert.True(ids.Add(id.GetString()!), $"{where}: operationId {id} is not unique");
                Assert.True(op.TryGetProperty("summary", out var summary) && summary.GetString() is { Length: > 0 }, $"{where}: no summary");
                Assert.True(op.TryGetProperty("tags", out var tags) && tags.GetArrayLength() > 0, $"{where}: no tag");
                var problem = op.GetProperty("responses").GetProperty("default").GetProperty("content").GetProperty("application/problem+json");
                Assert.Equal("#/components/schemas/Problem", problem.GetProperty("schema").GetProperty("$ref").GetString());
            }
        }
        Assert.True(operations > 50, $"only {operations} operations documented");
        Assert.Equal("object", root.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Operations_that_need_a_caller_name_the_bearer_scheme_and_public_ones_do_not()
    {
        var (_, root) = await ReadDocumentAsync();
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var paths = root.GetProperty("paths");
        JsonElement Op(string method, string path) => paths.GetProperty(path).GetProperty(method);
        Assert.True(Op("post", "/api/v1/jobs").GetProperty("security")[0].TryGetProperty("bearer", out _));
        Assert.True(Op("post", "/api/v1/jobs").GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(Op("post", "/api/agent/v1/poll").TryGetProperty("security", out _));
        Assert.False(Op("post", "/api/agent/v1/register").TryGetProperty("security", out _));
        Assert.False(Op("post", "/api/v1/auth/token").TryGetProperty("security", out _));
        Assert.Equal("postJobs", Op("post", "/api/v1/jobs").GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task The_package_upload_body_is_a_zip_and_no_internal_property_leaks()
    {
        var (text, root) = await ReadDocumentAsync();
        var body = root.GetProperty("paths").GetProperty("/api/v1/packages").GetProperty("post").GetProperty("requestBody");
        Assert.True(body.GetProperty("required").GetBoolean());
        var schema = body.GetProperty("content").GetProperty("application/zip").GetProperty("schema");
        Assert.Equal(("string", "binary"), (schema.GetProperty("type").GetString(), schema.GetProperty("format").GetString()));
        Assert.DoesNotContain("\"isEmpty\"", text, StringComparison.Ordinal);
    }
}
