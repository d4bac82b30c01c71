using Baton.Server.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// Endpoint metadata: the largest body (after decompression) the route takes, read from the options;
/// routes without it take <see cref="ServerOptions.MaxRequestBodyBytes"/>. A body over it is refused with 413 and
/// <paramref name="ProblemType"/> (the route's own type, e.g. package-too-large; validation when not given).
/// </summary>
public sealed record RequestBodyLimit(Func<ServerOptions, long> Bytes, string? ProblemType = null);

public static class RequestBodyLimitExtensions
{
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, Func<ServerOptions, long> bytes, string? problemType = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(bytes, problemType));
}

/// <summary>
/// Sets each request's body limit before anything reads the body: the route's limit, or for a caller
/// that is not authenticated at most <see cref="ServerOptions.MaxAnonymousRequestBodyBytes"/>. Kestrel
/// enforces it on the bytes received and the request decompression middleware (which runs after this)
/// on the bytes decompressed, so a small gzip body can never expand into a large one.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<ServerOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value;
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>();
        var limit = route?.Bytes(settings) ?? settings.MaxRequestBodyBytes;
        if (context.User.Identity?.IsAuthenticated != true) limit = Math.Min(limit, settings.MaxAnonymousRequestBodyBytes);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            return Problems.Make(StatusCodes.Status413PayloadTooLarge, route?.ProblemType ?? Core.Api.ProblemTypes.Validation, "The request body is too large",
                $"This request may carry at most {limit:N0} bytes{(context.User.Identity?.IsAuthenticated == true ? "" : " without authentication")}.", "body")
                .ExecuteAsync(context);
        }
        return next(context);
    }
}
