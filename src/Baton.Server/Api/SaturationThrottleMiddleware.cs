using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
/// <remarks>
/// A refusal must cost next to nothing, or refusing becomes the load (congestion collapse): this runs
/// first in the pipeline — before authentication, decompression and compression — and writes a body
/// made once. Retry-After follows refusals over admissions (<see cref="RetryAfterAdvice"/>), so a
/// backlog of refused clients comes back at about the rate the server admits, spread out.
/// While the server is saturated (<see cref="SaturationMonitor"/>) single submissions are also held to
/// about the rate jobs complete (<see cref="IntakeBudget"/>): accepting more than it runs would spend the
/// capacity that completes jobs on a growing backlog.
/// </remarks>
public sealed class SaturationThrottleMiddleware
{
    private static readonly byte[] BusyBody = JsonSerializer.SerializeToUtf8Bytes(new
    {
        type = ProblemTypes.ServerBusy,
        title = "Server busy",
        status = StatusCodes.Status503ServiceUnavailable,
        detail = "The server is saturated and refused this write; nothing was changed. Retry after the number of seconds in Retry-After.",
    });

    private static readonly byte[] IntakeBody = JsonSerializer.SerializeToUtf8Bytes(new
    {
        type = ProblemTypes.ServerBusy,
        title = "Server busy",
        status = StatusCodes.Status503ServiceUnavailable,
        detail = "The server is saturated and admits submissions at the rate it completes jobs; nothing was changed. Retry after the number of seconds in Retry-After.",
    });

    private readonly RequestDelegate _next;
    private readonly SaturationMonitor _monitor;
    private readonly IntakeBudget _intake;
    private readonly ILogger<SaturationThrottleMiddleware> _logger;
    private readonly RateWindow _refusals = new();
    private readonly RateWindow _admissions = new();
    private int _inFlight;
    private long _refused;

    public SaturationThrottleMiddleware(
        RequestDelegate next, IOptions<ServerOptions> options, SaturationMonitor monitor, IntakeBudget intake, ILogger<SaturationThrottleMiddleware> logger)
    {
        _next = next;
        _monitor = monitor;
        _intake = intake;
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
                LogRefusal(limit);
                await RefuseAsync(context, BusyBody, "saturated");
                return;
            }
            if (IsSubmission(context.Request) && !_intake.TryAdmit(1, _monitor.IsSaturated))
            {
                await RefuseAsync(context, IntakeBody, "intake");
                return;
            }

            _admissions.Add();
            var started = Stopwatch.GetTimestamp();
            await _next(context);
            Limit.OnSample(Stopwatch.GetElapsedTime(started), inFlight);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void LogRefusal(int limit)
    {
        if (Interlocked.Increment(ref _refused) % 1000 == 1)
        {
            _logger.LogWarning("Saturated: refusing REST writes past {Limit} in flight (long-run latency {Latency:0.0} ms)", limit, Limit.LongRunLatencyMs);
        }
    }

    private Task RefuseAsync(HttpContext context, byte[] body, string reason)
    {
        _refusals.Add();
        context.Items[Metrics.HttpMetrics.ThrottledItem] = reason;
        var retryAfter = RetryAfterAdvice.Seconds(_refusals.PerSecond(), _admissions.PerSecond(), Random.Shared.NextDouble());
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/problem+json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>A single submission (a batch asks the budget for its size itself).</summary>
    private static bool IsSubmission(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals("/api/v1/jobs", StringComparison.OrdinalIgnoreCase);

    private static bool IsThrottled(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/v1") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);

    /// <summary>Events over the last whole second (this second and the one before, weighted), lock-free.</summary>
    private sealed class RateWindow
    {
        private long _second;
        private long _current;
        private long _previous;

        public void Add()
        {
            Roll(Environment.TickCount64 / 1000);
            Interlocked.Increment(ref _current);
        }

        public double PerSecond()
        {
            var now = Environment.TickCount64;
            Roll(now / 1000);
            var elapsed = now % 1000 / 1000.0;
            return Interlocked.Read(ref _current) + Interlocked.Read(ref _previous) * (1 - elapsed);
        }

        private void Roll(long second)
        {
            var seen = Interlocked.Read(ref _second);
            if (second == seen || Interlocked.CompareExchange(ref _second, second, seen) != seen) return;
            var last = Interlocked.Exchange(ref _current, 0);
            Interlocked.Exchange(ref _previous, second == seen + 1 ? last : 0);
        }
    }
}
