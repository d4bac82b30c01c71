using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Baton.Server.Api;

/// <summary>
/// Marks an endpoint that reads its body itself instead of binding JSON (a package zip, an artifact's bytes, an
/// iCalendar file), so the OpenAPI document can say what to send: <paramref name="ContentType"/> as a string (binary
/// unless it is text), and, when <paramref name="FormField"/> is given, a multipart form whose file is that field; with
/// <paramref name="JsonBody"/>, the JSON form beside it (not declared with <c>.Accepts&lt;T&gt;()</c>, which would make
/// routing refuse every other content type).
/// </summary>
public sealed record RawRequestBody(string Description, string ContentType, string? FormField = null, Type? JsonBody = null);

/// <summary>
/// What every operation of <c>/openapi/v1.json</c> carries, so a generated client is usable: a stable operation id
/// (from method and route, unless the endpoint names one), a summary (from the handler's name, unless given), a tag
/// (the resource), the errors as RFC 9457 problem details, and the bearer scheme on every endpoint that requires a
/// caller. Kept in one place instead of on ~100 route declarations, so a new route is documented by default. What an
/// operation answers on success is declared on its route (<c>.Produces&lt;T&gt;()</c>, <see cref="SuccessResponses"/>),
/// and a body the endpoint reads itself is described from its <see cref="RawRequestBody"/>.
/// </summary>
public static class OpenApiConventions
{
    public const string SecurityScheme = "bearer";
    public const string ProblemSchema = "Problem";
    public const string ProblemContentType = "application/problem+json";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Baton API",
                Version = "v1",
                Description = "Run Python automations on a fleet of agents. Errors are RFC 9457 problem details (application/problem+json) with a stable type.",
            };
            EnsureComponents(document);
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            NumbersAsNumbers(schema);
            AnyValuesAllowed(schema, context.JsonTypeInfo);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var document = context.Document ?? throw new InvalidOperationException("The OpenAPI operation transformer runs without its document.");
            EnsureComponents(document);
            var description = context.Description;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var method = description.HttpMethod ?? "GET";
            var path = "/" + (description.RelativePath ?? "").TrimStart('/');
            operation.OperationId ??= OperationId(method, path);
            operation.Summary ??= Summary(metadata, operation.OperationId);
            if (operation.Tags is not { Count: > 0 })
            {
                var tag = Tag(path);
                document.Tags ??= new HashSet<OpenApiTag>();
                if (!document.Tags.Any(t => t.Name == tag)) document.Tags.Add(new OpenApiTag { Name = tag });
                operation.Tags = new HashSet<OpenApiTagReference> { new(tag, document, null) };
            }
            var authenticated = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            AddProblemResponses(operation, document, authenticated);
            if (authenticated)
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, document, null)] = [] }];
            }
            if (metadata.OfType<RawRequestBody>().FirstOrDefault() is { } raw)
            {
                DescribeRawBody(operation, raw);
                if (raw.JsonBody is { } json)
                {
                    ((OpenApiRequestBody)operation.RequestBody!).Content!["application/json"] =
                        new() { Schema = await context.GetOrCreateSchemaAsync(json, null, cancellationToken) };
                }
            }
            SuccessResponses.Describe(operation, metadata);
        });
    }

    /// <summary>
    /// Numbers as numbers: the web JSON options also read <c>"3"</c> as 3, so the generator types every number as
    /// number-or-string; the server always writes numbers and a client should send them, so the document says so.
    /// </summary>
    private static void NumbersAsNumbers(OpenApiSchema schema)
    {
        if (schema.Type is not { } type || !type.HasFlag(JsonSchemaType.String)) return;
        if (!type.HasFlag(JsonSchemaType.Integer) && !type.HasFlag(JsonSchemaType.Number)) return;
        schema.Type = type & ~JsonSchemaType.String;
        schema.Pattern = null;
    }

    /// <summary>
    /// A map whose values may be any JSON (a job's inputs) says so outright: the generator leaves
    /// <c>additionalProperties</c> out, which JSON Schema reads as "anything" but client generators read as "no members"
    /// (openapi-typescript types such inputs as <c>Record&lt;string, never&gt;</c>).
    /// </summary>
    private static void AnyValuesAllowed(OpenApiSchema schema, JsonTypeInfo type)
    {
        if (type.Kind == JsonTypeInfoKind.Dictionary && schema.AdditionalProperties is null) schema.AdditionalProperties = new OpenApiSchema();
    }

    /// <summary>
    /// The body as a file of <see cref="RawRequestBody.ContentType"/> (text, or binary), and as a multipart form with the
    /// file in <see cref="RawRequestBody.FormField"/> when the endpoint takes one; a JSON form declared with
    /// <c>.Accepts&lt;T&gt;()</c> stays beside them.
    /// </summary>
    private static void DescribeRawBody(OpenApiOperation operation, RawRequestBody raw)
    {
        var body = operation.RequestBody as OpenApiRequestBody ?? new OpenApiRequestBody();
        body.Required = true;
        body.Description = raw.Description;
        body.Content ??= new Dictionary<string, OpenApiMediaType>();
        var isText = raw.ContentType.StartsWith("text/", StringComparison.Ordinal);
        body.Content[raw.ContentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = isText ? null : "binary" } };
        if (raw.FormField is { } field)
        {
            body.Content["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { field },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        [field] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The file." },
                    },
                },
            };
        }
        operation.RequestBody = body;
    }

    /// <summary><c>GET /api/v1/jobs/{jobId}/logs</c> → <c>getJobsByJobIdLogs</c>: unique, since method and route are.</summary>
    public static string OperationId(string method, string path)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment is "api" || (segment.Length >= 2 && segment[0] == 'v' && char.IsDigit(segment[1]))) continue;
            if (segment.StartsWith('{'))
            {
                var name = segment.Trim('{', '}').Split(':')[0].TrimEnd('?');
                id.Append("By").Append(Pascal(name));
                continue;
            }
            id.Append(Pascal(segment));
        }
        return id.ToString();
    }

    private static string Pascal(string text)
    {
        var result = new StringBuilder();
        foreach (var part in text.Split('-', '_', '.'))
        {
            if (part.Length == 0) continue;
            result.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }
        return result.ToString();
    }

    /// <summary>The handler's name in words (<c>SubmitBatchAsync</c> → "Submit batch"), else the operation id's.</summary>
    private static string Summary(IList<object> metadata, string operationId)
    {
        var handler = metadata.OfType<MethodInfo>().FirstOrDefault()?.Name;
        var source = handler is { Length: > 0 } && !handler.Contains('<', StringComparison.Ordinal) ? handler : operationId;
        if (source.EndsWith("Async", StringComparison.Ordinal)) source = source[..^5];
        var words = new StringBuilder();
        foreach (var c in source)
        {
            if (char.IsUpper(c) && words.Length > 0) words.Append(' ');
            words.Append(words.Length == 0 ? char.ToUpper(c, CultureInfo.InvariantCulture) : char.ToLowerInvariant(c));
        }
        return words.ToString();
    }

    /// <summary>The resource: <c>/api/v1/jobs/…</c> → "jobs"; paths outside the API → "service".</summary>
    private static string Tag(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 3 && segments[0] == "api" && segments[1] == "v1" ? segments[2] : "service";
    }

    private static void AddProblemResponses(OpenApiOperation operation, OpenApiDocument document, bool authenticated)
    {
        operation.Responses ??= new OpenApiResponses();
        IOpenApiResponse Problem(string text) => new OpenApiResponse
        {
            Description = text,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemContentType] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document, null) },
            },
        };
        if (authenticated)
        {
            operation.Responses.TryAdd("401", Problem("No valid credential: an API key (bk_…), a JWT, or an agent credential."));
            operation.Responses.TryAdd("403", Problem("The credential's role may not do this."));
        }
        operation.Responses.TryAdd("default", Problem("An error: a problem details document with a stable type, a detail, and where it applies the field at fault."));
    }

    private static void EnsureComponents(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.Schemas.TryAdd(ProblemSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A stable URI naming the kind of error." },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for people." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["reason"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A stable code where one kind has several reasons." },
                ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request field at fault." },
            },
        });
        document.Components.SecuritySchemes.TryAdd(SecurityScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "Authorization: Bearer with an API key (bk_…), a JWT from POST /api/v1/auth/token, or (for /api/agent/v1) an agent credential.",
        });
    }
}
