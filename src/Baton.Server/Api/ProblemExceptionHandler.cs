using Baton.Core.Api;
using Microsoft.AspNetCore.Diagnostics;

namespace Baton.Server.Api;

/// <summary>Unhandled errors become problem+json: a bad request says why; anything else is logged and never leaks a stack trace.</summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        IResult problem;
        if (exception is BadHttpRequestException bad)
        {
            var detail = bad.InnerException is System.Text.Json.JsonException json
                ? $"The request body is not valid JSON for this endpoint: {json.Message}"
                : bad.Message;
            problem = Problems.Make(bad.StatusCode, ProblemTypes.Validation, "The request is not valid", detail);
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
}
