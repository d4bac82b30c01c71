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

    /// <summary>
    /// At most this many reads use the database at once per pool (primary, replica); more wait their turn in the
    /// process, in arrival order. Null: <see cref="DefaultMaxConcurrentReads"/>. Without a bound a burst of reads grows
    /// Npgsql's pool to its maximum (100 connections, each a PostgreSQL backend that starts, authenticates and plans
    /// its statements cold), and the pool then hands its calls round-robin to all of them.
    /// </summary>
    public int? MaxConcurrentReads { get; set; }

    /// <summary>
    /// Eight per core, at least 32: a read is short and mostly CPU on both sides, but its turn lasts its whole wall time,
    /// including the time its continuations wait for a thread on a busy machine (8 turns were too few on 2 cores).
    /// </summary>
    public static int DefaultMaxConcurrentReads => Math.Max(32, 8 * Environment.ProcessorCount);
}
