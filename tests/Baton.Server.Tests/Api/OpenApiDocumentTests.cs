using System.Text.Json;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Api;

/// <summary>
/// The served OpenAPI document is one a generated client can use: every operation has a unique id, a summary, a tag,
/// its errors as problem details and what it answers on success; every operation that needs a caller names the bearer
/// scheme; the bodies endpoints read themselves (package, artifact, iCalendar) are described; and no computed property
/// of an internal type leaks into a schema. (OpenApiResponseTests checks real answers against the schemas.)
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private static readonly string[] Methods = OpenApiShapes.Methods;
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
            foreach (var method in path.Value.EnumerateObject().Where(m => Methods.Contains(m.Name, StringComparer.Ordinal)))
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
    public async Task The_package_upload_body_is_a_zip_or_a_form_with_its_file_field()
    {
        var (_, root) = await ReadDocumentAsync();
        var body = root.GetProperty("paths").GetProperty("/api/v1/packages").GetProperty("post").GetProperty("requestBody");
        Assert.True(body.GetProperty("required").GetBoolean());
        var content = body.GetProperty("content");
        Assert.Equal(("string", "binary"), TypeAndFormat(content.GetProperty("application/zip").GetProperty("schema")));
        var form = content.GetProperty("multipart/form-data").GetProperty("schema");
        Assert.Equal("object", form.GetProperty("type").GetString());
        Assert.Equal(["file"], form.GetProperty("required").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(("string", "binary"), TypeAndFormat(form.GetProperty("properties").GetProperty("file")));
    }

    [Fact]
    public async Task The_bodies_read_as_files_are_described_beside_their_json_forms()
    {
        var (_, root) = await ReadDocumentAsync();
        var paths = root.GetProperty("paths");
        var artifact = paths.GetProperty("/api/agent/v1/jobs/{jobId}/artifacts").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Equal(("string", "binary"), TypeAndFormat(artifact.GetProperty("application/octet-stream").GetProperty("schema")));
        foreach (var (method, path) in new[] { ("post", "/api/v1/calendars"), ("put", "/api/v1/calendars/{name}") })
        {
            var content = paths.GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content");
            var json = OpenApiShapes.Resolve(content.GetProperty("application/json").GetProperty("schema"), root);
            Assert.True(json.GetProperty("properties").TryGetProperty("holidays", out _), $"{method} {path}: the JSON calendar is not described");
            Assert.Equal("string", content.GetProperty("text/calendar").GetProperty("schema").GetProperty("type").GetString());
        }
    }

    /// <summary>
    /// What a generated client needs to read an answer: every operation has a 2xx response, and each one either has a
    /// schema for every media type (JSON, a download as binary, server-sent events as text) or is a 204 without a body.
    /// </summary>
    [Fact]
    public async Task Every_operation_says_what_it_answers_on_success()
    {
        var (_, root) = await ReadDocumentAsync();
        var failures = new List<string>();
        var (json, files, streams, empty) = (0, 0, 0, 0);
        foreach (var (method, path, op) in OpenApiShapes.Operations(root))
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            var successes = op.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (successes.Count == 0) failures.Add($"{where}: no 2xx response");
            foreach (var response in successes)
            {
                var hasContent = response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
                if (response.Name == "204")
                {
                    if (hasContent) failures.Add($"{where}: 204 with a body");
                    empty++;
                    continue;
                }
                if (!hasContent)
                {
                    failures.Add($"{where}: {response.Name} has no content and no schema");
                    continue;
                }
                foreach (var media in content.EnumerateObject())
                {
                    if (!media.Value.TryGetProperty("schema", out var schema))
                    {
                        failures.Add($"{where}: {response.Name} {media.Name} has no schema");
                        continue;
                    }
                    schema = OpenApiShapes.Resolve(schema, root);
                    if (media.Name == "application/json")
                    {
                        if (!schema.TryGetProperty("type", out _) && !schema.TryGetProperty("properties", out _)) failures.Add($"{where}: {response.Name} JSON schema is empty");
                        json++;
                    }
                    else if (media.Name == "text/event-stream")
                    {
                        if (TypeAndFormat(schema).Type != "string") failures.Add($"{where}: the event stream is not text");
                        if (!response.Value.TryGetProperty("description", out var said) || !said.GetString()!.Contains("event", StringComparison.Ordinal))
                            failures.Add($"{where}: the event stream does not say what its events are");
                        streams++;
                    }
                    else if (TypeAndFormat(schema) == ("string", "binary")) files++;
                    else failures.Add($"{where}: {response.Name} {media.Name} is neither JSON, an event stream nor a binary download");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        // Each kind is present, so a regression in how one is declared cannot pass by leaving the kind out.
        Assert.True(json > 80 && files >= 3 && streams >= 4 && empty >= 10, $"json {json}, files {files}, streams {streams}, no content {empty}");
    }

    /// <summary>
    /// A computed member of an internal type is not part of the API: QuotaOverrides.IsEmpty, PackageEntrypoint.IsScript,
    /// and the byte forms of TenantQuotas' limits (the server's own arithmetic) once leaked into the tenant's schema.
    /// </summary>
    [Fact]
    public async Task No_schema_has_an_isEmpty_or_other_computed_property()
    {
        var (text, root) = await ReadDocumentAsync();
        var leaked = OpenApiShapes.PropertyNames(root)
            .Where(p => p.Name is "isEmpty" or "isScript" or "logBytesPerJob" or "jobInputBytes" or "artifactBytesPerJob")
            .Select(p => $"{p.Where}: {p.Name}").ToList();
        Assert.True(leaked.Count == 0, string.Join('\n', leaked));
        Assert.DoesNotContain("\"isEmpty\"", text, StringComparison.Ordinal);
        var quotas = root.GetProperty("components").GetProperty("schemas").GetProperty("TenantQuotas").GetProperty("properties");
        Assert.DoesNotContain("storageBytes", quotas.EnumerateObject().Select(p => p.Name));
        Assert.Contains("storageGb", quotas.EnumerateObject().Select(p => p.Name));
    }

    /// <summary>Numbers are numbers (not number-or-string, which a generated client would have to handle everywhere).</summary>
    [Fact]
    public async Task Numbers_are_documented_as_numbers()
    {
        var (_, root) = await ReadDocumentAsync();
        var job = root.GetProperty("components").GetProperty("schemas").GetProperty("JobDto").GetProperty("properties");
        Assert.Equal("integer", job.GetProperty("priority").GetProperty("type").GetString());
        Assert.Equal(["null", "integer"], job.GetProperty("exitCode").GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.False(job.GetProperty("priority").TryGetProperty("pattern", out _));
    }

    /// <summary>A job's inputs may hold any JSON: said outright, or a generated client types them as an empty object.</summary>
    [Fact]
    public async Task Maps_of_any_json_say_their_values_may_be_anything()
    {
        var (_, root) = await ReadDocumentAsync();
        var inputs = root.GetProperty("components").GetProperty("schemas").GetProperty("SubmitJobRequest").GetProperty("properties").GetProperty("inputs");
        Assert.Equal(JsonValueKind.Object, inputs.GetProperty("additionalProperties").ValueKind);
        Assert.Empty(inputs.GetProperty("additionalProperties").EnumerateObject());
    }

    private static (string? Type, string? Format) TypeAndFormat(JsonElement schema) => (
        schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null,
        schema.TryGetProperty("format", out var format) ? format.GetString() : null);
}
