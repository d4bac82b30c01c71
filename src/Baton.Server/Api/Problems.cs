using Baton.Core.Api;

namespace Baton.Server.Api;

/// <summary>problem+json answers with a stable type, a human detail and, where one is at fault, the field.</summary>
public static class Problems
{
    public static IResult Validation(string detail, string? field = null) =>
        Make(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "The request is not valid", detail, field);

    public static IResult Validation(IEnumerable<(string Field, string Message)> errors)
    {
        var list = errors.Select(e => (Field: ProblemDefaults.Bound(e.Field)!, Message: ProblemDefaults.Bound(e.Message)!)).ToList();
        var detail = string.Join("; ", list.Select(e => $"{e.Field}: {e.Message}"));
        return Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            type: ProblemTypes.Validation,
            title: "The request is not valid",
            detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["field"] = list.FirstOrDefault().Field,
                ["errors"] = list.Select(e => new { field = e.Field, message = e.Message }).ToList(),
            });
    }

    public static IResult NotFound(string what) =>
        Make(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", $"{what} was not found.");

    public static IResult Conflict(string detail, string? field = null) =>
        Make(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "Conflict", detail, field);

    public static IResult StaleAttempt(string jobId, int attempt) =>
        Make(StatusCodes.Status409Conflict, ProblemTypes.StaleAttempt, "Stale attempt",
            $"Attempt {attempt} of job {jobId} is no longer held by this agent.");

    public static IResult InvalidState(string detail) =>
        Make(StatusCodes.Status409Conflict, ProblemTypes.InvalidState, "Invalid state", detail);

    /// <summary>409 with a machine-readable <c>reason</c> (e.g. <c>not-pending</c>).</summary>
    public static IResult InvalidState(string detail, string reason) => Results.Problem(
        statusCode: StatusCodes.Status409Conflict,
        type: ProblemTypes.InvalidState,
        title: "Invalid state",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["reason"] = reason });

    public static IResult Forbidden(string detail) =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden", detail);

    public static IResult QuotaExceeded(string detail, string quota) =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.QuotaExceeded, "Quota exceeded", detail, quota);

    /// <summary>429 for a tenant whose pending backlog is at its quota; the Retry-After header says when to try again.</summary>
    public static IResult Backpressure(string tenantName, int pending, int limit, int retryAfterSeconds) =>
        new RetryAfterResult(retryAfterSeconds, Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            type: ProblemTypes.RateLimited,
            title: "Too many pending jobs",
            detail: $"Tenant '{tenantName}' has {pending} pending jobs, the most its quota of {limit} allows; retry in {retryAfterSeconds} s.",
            extensions: new Dictionary<string, object?> { ["field"] = "pendingJobs", ["pending"] = pending, ["limit"] = limit }));

    /// <summary>A problem answer as data (for a batch's per-item results).</summary>
    public static ProblemDto Describe(IResult result)
    {
        if (result is RetryAfterResult delayed) result = delayed.Inner;
        if (result is not Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem)
        {
            throw new ArgumentException($"{result.GetType().Name} is not a problem answer.", nameof(result));
        }
        var details = problem.ProblemDetails;
        var field = details.Extensions.TryGetValue("field", out var value) ? value?.ToString() : null;
        return new ProblemDto(details.Type ?? "about:blank", details.Title ?? "", problem.StatusCode, ProblemDefaults.Bound(details.Detail), ProblemDefaults.Bound(field));
    }

    private sealed class RetryAfterResult(int seconds, IResult inner) : IResult
    {
        public IResult Inner => inner;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    public static IResult InvalidPackage(string detail, string reason) => Results.Problem(
        statusCode: StatusCodes.Status422UnprocessableEntity,
        type: ProblemTypes.InvalidPackage,
        title: "The package was refused",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["reason"] = reason });

    public static IResult PackageTooLarge(long limit) => Make(
        StatusCodes.Status413PayloadTooLarge, ProblemTypes.PackageTooLarge, "The package is too large",
        $"The package archive exceeds the limit of {limit} bytes.");

    public static IResult Make(int status, string type, string title, string detail, string? field = null) =>
        Results.Problem(
            statusCode: status,
            type: type,
            title: title,
            detail: detail,
            extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });
}
