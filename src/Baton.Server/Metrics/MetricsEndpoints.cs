using System.Security.Cryptography;
using System.Text;
using Baton.Core.Api;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Microsoft.Extensions.Options;

namespace Baton.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: every family in the Prometheus text format, on every replica (anonymous unless
/// <see cref="MetricsOptions.ScrapeToken"/> is set). <c>GET /api/v1/system/metrics</c>: the same families as JSON, for
/// system admins and <c>baton status</c>.
/// </summary>
public static class MetricsEndpoints
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", ScrapeAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/v1/system/metrics", ReadJsonAsync).RequireAuthorization(AuthPolicies.SystemAdmin).WithTags("System")
            .Produces<SystemMetricsResponse>();
    }

    private static async Task ScrapeAsync(HttpContext context, MetricRegistry registry, IOptions<ServerOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value.Metrics;
        if (!settings.Enabled)
        {
            await Disabled().ExecuteAsync(context);
            return;
        }
        if (!string.IsNullOrEmpty(settings.ScrapeToken) && !HasToken(context.Request, settings.ScrapeToken))
        {
            await Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unauthorized",
                "This server's /metrics needs its scrape token: Authorization: Bearer <token>.").ExecuteAsync(context);
            return;
        }
        context.Response.ContentType = TextContentType;
        context.Response.Headers.CacheControl = "no-store";
        await registry.WriteTextAsync(context.Response.Body, cancellationToken);
    }

    private static async Task<IResult> ReadJsonAsync(string? prefix, MetricReader reader, FleetSnapshotCache fleet, IOptions<ServerOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!options.Value.Metrics.Enabled) return Disabled();
        if (prefix is not null && !prefix.StartsWith(MetricRegistry.Prefix, StringComparison.Ordinal))
        {
            return Problems.Validation($"prefix must start with {MetricRegistry.Prefix} (every family does).", "prefix");
        }
        var families = await reader.ReadAllAsync(prefix, cancellationToken);
        return Results.Ok(new SystemMetricsResponse(
            Replica: $"{Environment.MachineName}:{Environment.ProcessId}",
            At: time.GetUtcNow(),
            FleetReadAt: fleet.Latest?.ReadAt,
            Families: [.. families.Select(item => new MetricFamilyDto(
                item.Family.Name,
                item.Family.Kind.ToString().ToLowerInvariant(),
                item.Family.Help,
                [.. item.Series.Select(series => new MetricSeriesDto(series.Labels, series.Value, series.Count, series.Sum))]))]));
    }

    private static IResult Disabled() =>
        Problems.Make(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Metrics are disabled",
            "This server runs with Baton:Server:Metrics:Enabled=false, so it measures nothing and serves no metrics.");

    private static bool HasToken(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}
