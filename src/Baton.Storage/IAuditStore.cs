using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// The audit log: append and read, never change. PostgreSQL enforces it (the runtime role may only SELECT and
/// INSERT; Row-Level Security per tenant); SQLite refuses any UPDATE with a trigger. Only retention removes
/// entries, past the audit cutoff.
/// </summary>
public interface IAuditStore
{
    Task<AuditEntryRecord> AppendAsync(NewAuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries matching <paramref name="query"/>, newest first, at most <see cref="AuditQuery.Limit"/> (1 to 500).</summary>
    Task<IReadOnlyList<AuditEntryRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken);
}
