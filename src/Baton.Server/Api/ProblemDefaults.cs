using System.Text;
using Baton.Core.Api;
using Microsoft.AspNetCore.Http.Features;

namespace Baton.Server.Api;

/// <summary>
/// Applied to every problem+json the server writes (handlers' problems, status-code pages, the exception
/// handler): a Baton type and a detail for the framework's bare answers (401, 403, 404, 405, 415, …), and
/// values echoed from the request cut short, so a 10,000-character name is never sent back whole.
/// </summary>
public static class ProblemDefaults
{
    /// <summary>A quoted value in a detail longer than this is cut (with a note of its length).</summary>
    public const int MaxEchoedValue = 100;

    /// <summary>No detail, field or error message is longer than this.</summary>
    public const int MaxDetail = 1_000;

    public static void Customize(ProblemDetailsContext context)
    {
        var details = context.ProblemDetails;
        if (details.Type is null or "" || details.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal) || details.Type == "about:blank")
        {
            var (type, detail) = Describe(details.Status ?? context.HttpContext.Response.StatusCode, context.HttpContext);
            details.Type = type;
            details.Detail ??= detail;
        }
        details.Detail = Bound(details.Detail);
        if (details.Extensions.TryGetValue("field", out var field) && field is string text) details.Extensions["field"] = Bound(text);
    }

    /// <summary>Quoted values over <see cref="MaxEchoedValue"/> characters are cut, and the whole text at <see cref="MaxDetail"/>.</summary>
    public static string? Bound(string? text)
    {
        if (text is null || text.Length <= MaxEchoedValue) return text;
        // One pass, linear in the text whatever it holds (the text may be an attacker's).
        var result = new StringBuilder(Math.Min(text.Length, MaxDetail + 64));
        var run = 0;
        for (var i = 0; i < text.Length && result.Length <= MaxDetail; i++)
        {
            var c = text[i];
            if (c is '\'' or '"' && (i == 0 || char.IsWhiteSpace(text[i - 1]) || text[i - 1] is '(' or ':' or '='))
            {
                var close = FindClose(text, i + 1, c);
                var length = close - (i + 1);
                if (length > MaxEchoedValue)
                {
                    result.Append(c).Append(text, i + 1, MaxEchoedValue).Append('…').Append(c).Append(" (").Append(length).Append(" characters)");
                    i = Math.Min(close, text.Length - 1);
                    run = 0;
                    continue;
                }
            }
            run = char.IsWhiteSpace(c) ? 0 : run + 1;
            // An unquoted echo (an id in a path) is cut the same way.
            if (run == MaxEchoedValue + 1)
            {
                var endOfRun = i;
                while (endOfRun < text.Length && !char.IsWhiteSpace(text[endOfRun])) endOfRun++;
                result.Append("… (").Append(endOfRun - i + MaxEchoedValue).Append(" characters)");
                i = endOfRun - 1;
                run = 0;
                continue;
            }
            result.Append(c);
        }
        return result.Length <= MaxDetail ? result.ToString() : result.ToString(0, MaxDetail) + "…";
    }

    /// <summary>The closing quote: the same character followed by the end, a space or punctuation; the text's end if there is none.</summary>
    private static int FindClose(string text, int from, char quote)
    {
        for (var j = text.IndexOf(quote, from); j >= 0; j = text.IndexOf(quote, j + 1))
        {
            if (j + 1 == text.Length || char.IsWhiteSpace(text[j + 1]) || text[j + 1] is '.' or ',' or ';' or ':' or ')' or '!' or '?') return j;
        }
        return text.Length;
    }

    private static (string Type, string Detail) Describe(int status, HttpContext http) => status switch
    {
        StatusCodes.Status400BadRequest => (ProblemTypes.Validation, "The request is not valid."),
        StatusCodes.Status401Unauthorized => (ProblemTypes.Unauthorized, "A valid API key or access token is required: Authorization: Bearer <key>."),
        StatusCodes.Status403Forbidden => (ProblemTypes.Forbidden, "Your API key's role does not allow this operation."),
        StatusCodes.Status404NotFound => (ProblemTypes.NotFound, "No such endpoint."),
        StatusCodes.Status405MethodNotAllowed => (ProblemTypes.MethodNotAllowed,
            $"{http.Request.Method} is not allowed on {Bound(http.Request.Path.Value)}; it takes {AllowedMethods(http)}."),
        StatusCodes.Status409Conflict => (ProblemTypes.Conflict, "The request conflicts with the current state."),
        StatusCodes.Status413PayloadTooLarge => (ProblemTypes.Validation, "The request body is too large."),
        StatusCodes.Status415UnsupportedMediaType => (ProblemTypes.UnsupportedMediaType,
            $"The body's content type {Bound(http.Request.ContentType) ?? "(none)"} is not accepted here; send application/json."),
        StatusCodes.Status429TooManyRequests => (ProblemTypes.RateLimited, "Too many requests; retry later."),
        StatusCodes.Status503ServiceUnavailable => (ProblemTypes.ServerBusy, "The server is busy; retry later."),
        >= 500 => (ProblemTypes.Internal, $"The server failed to handle the request; see the server log (trace id {http.TraceIdentifier})."),
        _ => (ProblemTypes.Validation, $"The request was refused ({status})."),
    };

    private static string AllowedMethods(HttpContext http)
    {
        var allow = http.Response.Headers.Allow.ToString();
        if (allow.Length > 0) return allow;
        // Routing answers 405 from its own endpoint, which names the methods in its metadata.
        var methods = http.Features.Get<IEndpointFeature>()?.Endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods;
        return methods is { Count: > 0 } ? string.Join(", ", methods) : "other methods";
    }
}
