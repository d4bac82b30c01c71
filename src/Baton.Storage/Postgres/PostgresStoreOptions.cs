namespace Baton.Storage.Postgres;

/// <summary>Where the PostgreSQL backend connects, and as whom.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>
    /// The runtime connection: a role that neither owns the tables nor bypasses Row-Level Security
    /// (a member of <c>baton_app</c>). Works through PgBouncer in transaction mode: the store keeps no session state.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The table owner, used only to apply migrations; defaults to <see cref="ConnectionString"/>.</summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>An optional read replica for list and search queries; defaults to <see cref="ConnectionString"/>.</summary>
    public string? ReadConnectionString { get; set; }

    /// <summary>Every statement of the runtime is cancelled by the server after this long.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
