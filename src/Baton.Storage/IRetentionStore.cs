using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Retention, one policy for every backend: what is older than its cutoff is removed. A backend that
/// keeps a table in monthly partitions (PostgreSQL) drops whole months, so a row may outlive its
/// cutoff by up to a month; a row newer than its cutoff is never removed. Safe to run from several
/// replicas at once.
/// </summary>
public interface IRetentionStore
{
    /// <summary>
    /// Gets storage ready for the writes of the coming months (PostgreSQL: the monthly partitions of the
    /// month of <paramref name="now"/> and the next two); returns what it created (nothing on SQLite).
    /// </summary>
    Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Removes job events and log lines, tenant events, settled webhook deliveries (delivered or failed;
    /// pending ones are still being attempted), audit entries and finished work items (done, or failed for good,
    /// with their history; waiting and leased ones stay) older than their cutoffs.
    /// </summary>
    Task<RetentionReport> PruneAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken);
}
