using System.Net;

namespace Baton.Cli.Http;

/// <summary>A non-success answer from the Baton API, carrying its problem+json fields.</summary>
public sealed class BatonApiException(
    HttpStatusCode status, string? problemType, string? title, string? detail, TimeSpan? retryAfter)
    : Exception(Describe(status, title, detail, retryAfter))
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The stable problem <c>type</c> (see <c>Baton.Core.Api.ProblemTypes</c>), when the server sent one.</summary>
    public string? ProblemType { get; } = problemType;

    public string? Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Where the refused key came from (a context, a flag, the environment), for the hint on a 401.</summary>
    public string? KeySource { get; init; }

    /// <summary>From the <c>Retry-After</c> header of a 429 or 503.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    private static string Describe(HttpStatusCode status, string? title, string? detail, TimeSpan? retryAfter)
    {
        var head = string.IsNullOrWhiteSpace(title) ? $"HTTP {(int)status}" : title.Trim();
        var text = string.IsNullOrWhiteSpace(detail) || detail.Trim() == head ? head : $"{head}: {detail.Trim()}";
        if (retryAfter is { } wait) text += $" (retry after {Math.Ceiling(wait.TotalSeconds):0}s)";
        return text;
    }
}
