using Npgsql;

namespace Baton.Server.Backup;

/// <summary>
/// The database a PostgreSQL backup is restored into: what it holds already (a restore goes only into an empty one),
/// emptying it (<c>--force</c>, or undoing a restore whose checks failed) and the runtime role the restored grants
/// name. Extension members are not Baton's and are left alone.
/// </summary>
internal static class PostgresTargetDatabase
{
    /// <summary>
    /// Every user object with the statement that drops it: relations first (a table takes its partitions, owned
    /// sequences and dependent views with it), then routines and types; <c>IF EXISTS</c> because a drop may already
    /// have taken a later one.
    /// </summary>
    private const string ObjectsSql = """
        WITH user_schemas AS (
            SELECT oid, nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%'
        ), extension_members AS (
            SELECT objid FROM pg_depend WHERE deptype = 'e'
        )
        SELECT description, statement FROM (
            SELECT 1 AS pass, c.relkind IN ('r', 'p') AS first, format('%s %I.%I', kind.word, n.nspname, c.relname) AS description,
                   format('DROP %s IF EXISTS %I.%I CASCADE;', kind.word, n.nspname, c.relname) AS statement
            FROM pg_class c JOIN user_schemas n ON n.oid = c.relnamespace
            JOIN (VALUES ('r', 'TABLE'), ('p', 'TABLE'), ('v', 'VIEW'), ('m', 'MATERIALIZED VIEW'), ('S', 'SEQUENCE'), ('f', 'FOREIGN TABLE'))
                AS kind(relkind, word) ON kind.relkind = c.relkind::text
            WHERE NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM extension_members)
            UNION ALL
            SELECT 2, false, format('ROUTINE %s', p.oid::regprocedure), format('DROP ROUTINE IF EXISTS %s CASCADE;', p.oid::regprocedure)
            FROM pg_proc p JOIN user_schemas n ON n.oid = p.pronamespace
            WHERE p.oid NOT IN (SELECT objid FROM extension_members)
            UNION ALL
            SELECT 3, false, format('TYPE %s', t.oid::regtype),
                   format('DROP %s IF EXISTS %s CASCADE;', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype)
            FROM pg_type t JOIN user_schemas n ON n.oid = t.typnamespace
            LEFT JOIN pg_class c ON c.oid = t.typrelid
            WHERE (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))
              AND t.oid NOT IN (SELECT objid FROM extension_members)
        ) objects
        ORDER BY pass, first DESC, description;
        """;

    /// <summary>What the database holds that a restore would collide with, as "TABLE public.jobs"; empty when none.</summary>
    public static async Task<IReadOnlyList<string>> DescribeAsync(string connectionString, CancellationToken ct) =>
        [.. (await ObjectsAsync(connectionString, ct)).Select(o => o.Description)];

    /// <summary>Drops every object <see cref="DescribeAsync"/> lists, in one transaction.</summary>
    public static async Task EmptyAsync(string connectionString, CancellationToken ct)
    {
        var objects = await ObjectsAsync(connectionString, ct);
        if (objects.Count == 0) return;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var (_, statement) in objects)
        {
            await using var drop = new NpgsqlCommand(statement, connection, transaction);
            await drop.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Creates <c>baton_app</c> when the server lacks it, as the first migration does: the restored grants name it
    /// (roles are per server, not in a database's dump).
    /// </summary>
    public static async Task EnsureRuntimeRoleAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await PostgresBackup.ExecuteAsync(connectionString, """
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_app') THEN
                        CREATE ROLE baton_app NOLOGIN;
                    END IF;
                EXCEPTION
                    WHEN duplicate_object OR unique_violation THEN NULL;
                END
                $$;
                """, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new BackupRefusedException(
                "the role baton_app does not exist on the target server and this role may not create it (it needs CREATEROLE): " +
                "as a superuser, CREATE ROLE baton_app NOLOGIN and GRANT baton_app TO your runtime login, then restore again (nothing was changed).", e);
        }
    }

    private static async Task<List<(string Description, string Statement)>> ObjectsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(ObjectsSql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var objects = new List<(string, string)>();
        while (await reader.ReadAsync(ct)) objects.Add((reader.GetString(0), reader.GetString(1)));
        return objects;
    }
}
