using System.Diagnostics;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// The application family: every request counted and timed by method, route template (the endpoint's pattern such as
/// <c>/api/v1/jobs/{id}</c>, never the raw path, so ids cannot multiply the series; <c>unmatched</c> when no endpoint
/// took it) and status; server-sent-event streams open now; writes refused by throttling or quotas.
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, HttpMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.InFlight.Inc();
        Gauge.Child? stream = null;
        context.Response.OnStarting(() =>
        {
            if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
            {
                stream = metrics.StreamsOpen.WithLabels(Route(context));
                stream.Inc();
            }
            return Task.CompletedTask;
        });
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            metrics.InFlight.Dec();
            stream?.Dec();
            metrics.Record(context, Route(context), status, Stopwatch.GetElapsedTime(started));
        }
    }

    private static string Route(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern ? "/" + pattern.Trim('/') : "unmatched";
}

/// <summary>The HTTP families and how one finished request is counted in them.</summary>
public sealed class HttpMetrics
{
    /// <summary>The <see cref="HttpContext.Items"/> key by which a middleware names why it refused a request.</summary>
    public const string ThrottledItem = "baton.metrics.throttled";

    private static readonly HashSet<string> Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private readonly Counter _requests, _errors, _throttled;
    private readonly Histogram _duration;

    public HttpMetrics(MetricRegistry registry)
    {
        _requests = registry.Counter("orchestrator_http_requests_total", "HTTP requests by method, route template and status; this replica.", "method", "route", "status");
        _errors = registry.Counter("orchestrator_http_request_errors_total", "HTTP requests answered 4xx or 5xx, by method, route template and status; this replica.", "method", "route", "status");
        _duration = registry.Histogram("orchestrator_http_request_duration_seconds", "HTTP request duration by method and route template (agent long polls included).", Buckets.Http, "method", "route");
        _throttled = registry.Counter("orchestrator_http_throttled_total", "Requests refused to protect the server: saturated (adaptive write limit, 503) or quota (429), by route template.", "route", "reason");
        InFlight = registry.Gauge("orchestrator_http_requests_in_flight", "HTTP requests being served now by this replica.");
        StreamsOpen = registry.Gauge("orchestrator_sse_streams_open", "Server-sent-event streams open now (event and log followers), by route template.", "route");
    }

    public Gauge InFlight { get; }

    public Gauge StreamsOpen { get; }

    internal void Record(HttpContext context, string route, int status, TimeSpan elapsed)
    {
        var method = Methods.Contains(context.Request.Method) ? context.Request.Method : "OTHER";
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _requests.WithLabels(method, route, code).Inc();
        _duration.WithLabels(method, route).Observe(elapsed.TotalSeconds);
        if (status >= 400) _errors.WithLabels(method, route, code).Inc();
        if (context.Items.TryGetValue(ThrottledItem, out var reason) && reason is string why) _throttled.WithLabels(route, why).Inc();
        else if (status == StatusCodes.Status429TooManyRequests) _throttled.WithLabels(route, "quota").Inc();
    }
}
