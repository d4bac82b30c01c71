using System.Diagnostics;
using Baton.Core.Api;
using Baton.Core.Throttling;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// Dynamic throttling when the system is saturated: REST writes (submissions, uploads, changes) are
/// admitted up to an <see cref="AdaptiveConcurrencyLimit"/> that follows the latency the server
/// sustains. A write past it is refused at once — 503, Retry-After, nothing changed — instead of
/// queueing behind the others and making every caller slow. Reads, streams and the agent protocol
/// pass untouched.
/// </summary>
public sealed class SaturationThrottleMiddleware
{
    private const int RetryAfterSeconds = 1;

    private readonly RequestDelegate _next;
    private readonly ILogger<SaturationThrottleMiddleware> _logger;
    private int _inFlight;
    private long _refused;

    public SaturationThrottleMiddleware(RequestDelegate next, IOptions<ServerOptions> options, ILogger<SaturationThrottleMiddleware> logger)
    {
        _next = next;
        _logger = logger;
        var settings = options.Value;
        var min = Math.Max(1, settings.WriteConcurrencyMin);
        var max = Math.Max(min, settings.WriteConcurrencyMax);
        // Start open: the limit only moves once half of it is in use, so it tightens under real saturation
        // (hundreds of writes queued, latency climbing) and never caps a merely busy server.
        Limit = new AdaptiveConcurrencyLimit(min, max, initial: max);
    }

    public AdaptiveConcurrencyLimit Limit { get; }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsThrottled(context.Request))
        {
            await _next(context);
            return;
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            var limit = Limit.Current;
            if (inFlight > limit)
            {
                if (Interlocked.Increment(ref _refused) % 100 == 1)
                {
                    _logger.LogWarning("Saturated: refusing REST writes past {Limit} in flight (long-run latency {Latency:0.0} ms)", limit, Limit.LongRunLatencyMs);
                }
                context.Items[Metrics.HttpMetrics.ThrottledItem] = "saturated";
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Make(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ServerBusy, "Server busy",
                    $"The server is saturated: {limit} writes are in flight, the most it sustains at its current latency; nothing was changed, retry in {RetryAfterSeconds} s.")
                    .ExecuteAsync(context);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            await _next(context);
            Limit.OnSample(Stopwatch.GetElapsedTime(started), inFlight);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static bool IsThrottled(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/v1") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);
}
