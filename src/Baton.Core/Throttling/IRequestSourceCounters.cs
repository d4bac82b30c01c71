namespace Baton.Core.Throttling;

/// <summary>What a request source is: the network address it came from, or the API key it presented.</summary>
public enum RequestSourceKind
{
    Address,
    ApiKey,
}

/// <summary>
/// Cumulative counts for one request source since this replica started (monotonic, like Prometheus counters:
/// a reader takes the difference of two snapshots for a rate). <see cref="AuthenticationFailures"/>: requests that
/// presented a credential and were answered 401; <see cref="Refusals"/>: requests answered 429 by the per-key or
/// per-address rate limits; <see cref="Writes"/>: REST writes admitted.
/// </summary>
public sealed record RequestSourceCounts(
    RequestSourceKind Kind,
    string Source,
    long AuthenticationFailures,
    long Refusals,
    long Writes,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen);

/// <summary>
/// Per-source failure and refusal counts of this server replica, for anomaly detection (a flood of failed logins or of
/// writes from one key or one address). Read-only and cheap: a snapshot copies the counters, it never blocks requests.
/// Counts are per replica; an observer of several replicas sums their snapshots.
/// </summary>
public interface IRequestSourceCounters
{
    /// <summary>
    /// The sources with the most failures and refusals first (then the most writes), at most <paramref name="top"/>.
    /// Sources idle longest are forgotten first when more than a few thousand are tracked.
    /// </summary>
    IReadOnlyList<RequestSourceCounts> Snapshot(int top = 100);
}
