using Baton.Core.Autoscaling.Anomalies;

namespace Baton.Server.Autoscaling;

/// <summary>
/// Where the anomaly detector reads request and authentication-failure counts per API key and per client address
/// (seed 10.4, attack detection). The autoscaler only flags floods; answering them with 429 is the rate limiter's job.
/// The built-in <see cref="RequestActivityCounter"/> counts this replica's requests; a fleet-wide source (the rate
/// limiter's own counters, or the metrics seam) can replace it by registering another implementation.
/// </summary>
public interface IRequestActivitySource
{
    /// <summary>Requests and authentication failures per minute of each subject (<c>key:ID</c>, <c>address:IP</c>) over the last minute.</summary>
    IReadOnlyList<RequestActivity> LastMinute(DateTimeOffset now);

    /// <summary>All requests per second over the last minute.</summary>
    double RequestsPerSecond(DateTimeOffset now);
}
