using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Core.Api;
using Microsoft.AspNetCore.Diagnostics;

namespace Baton.Server.Api;

/// <summary>Unhandled errors become problem+json: a bad request says why; anything else is logged and never leaks a stack trace.</summary>
public sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        IResult problem;
        if (exception is BadHttpRequestException bad)
        {
            var (detail, field) = bad.InnerException is JsonException json ? DescribeJson(json) : DescribeBinding(bad.Message);
            problem = bad.StatusCode == StatusCodes.Status415UnsupportedMediaType
                ? Problems.Make(bad.StatusCode, ProblemTypes.UnsupportedMediaType, "Unsupported media type", detail, field)
                : Problems.Make(bad.StatusCode, ProblemTypes.Validation, "The request is not valid", detail, field);
        }
        else if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        else
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = Problems.Make(StatusCodes.Status500InternalServerError, ProblemTypes.Internal, "Internal error",
                $"The server failed to handle the request; see the server log (trace id {context.TraceIdentifier}).");
        }
        await problem.ExecuteAsync(context);
        return true;
    }

    /// <summary>A body that is not JSON, or not of the endpoint's shape; an unknown field is named (PATCH bodies refuse them).</summary>
    internal static (string Detail, string? Field) DescribeJson(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        var unknown = UnknownMember().Match(json.Message);
        if (unknown.Success)
        {
            var name = unknown.Groups["name"].Value;
            var at = field is not null && field.Contains('.', StringComparison.Ordinal) ? field[..field.LastIndexOf('.')] + "." + name : name;
            return ($"Unknown field '{at}': this endpoint accepts only its documented fields (a misspelt field would otherwise be ignored).", at);
        }
        // The framework's message names .NET types; say it in the API's words.
        var message = DotNetTypeName().Replace(json.Message, m => m.Groups["name"].Value);
        return ($"The request body is not valid JSON for this endpoint: {message}", field);
    }

    /// <summary>Route, query and header values that do not convert, and missing ones, in plain words with the parameter as the field.</summary>
    internal static (string Detail, string? Field) DescribeBinding(string message)
    {
        var failed = FailedToBind().Match(message);
        if (failed.Success)
        {
            var name = failed.Groups["name"].Value;
            return ($"{name}: '{failed.Groups["value"].Value}' is not {Expected(failed.Groups["type"].Value)}.", name);
        }
        var missing = RequiredMissing().Match(message);
        if (missing.Success)
        {
            var name = missing.Groups["name"].Value;
            return ($"{name} is required ({Expected(missing.Groups["type"].Value)}).", name);
        }
        return (message, null);
    }

    private static string Expected(string type)
    {
        var bare = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type;
        return bare switch
        {
            "int" or "Int32" or "long" or "Int64" or "short" or "Int16" => "an integer",
            "bool" or "Boolean" => "true or false",
            "double" or "Double" or "decimal" or "Decimal" or "float" or "Single" => "a number",
            "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, e.g. 2025-01-31T12:00:00Z)",
            "DateOnly" => "a date (yyyy-MM-dd)",
            "TimeSpan" => "a duration (hh:mm:ss)",
            "Guid" => "a GUID",
            "string" or "String" => "a text",
            _ => $"a valid {bare}",
        };
    }

    [GeneratedRegex("^Failed to bind parameter \"(?<type>\\S+) (?<name>[^\"]+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("^Required parameter \"(?<type>\\S+) (?<name>[^\"]+)\" was not provided", RegexOptions.CultureInvariant)]
    private static partial Regex RequiredMissing();

    [GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped to any \\.NET member", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex UnknownMember();

    [GeneratedRegex("(?:System|Baton)(?:\\.[A-Za-z0-9_`]+)*\\.(?<name>[A-Za-z0-9_`]+)", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex DotNetTypeName();
}
