using System.Globalization;
using Npgsql;

namespace Baton.Server.Backup;

/// <summary>
/// The facts about a Baton database on PostgreSQL that a backup manifest records and verify checks again: schema
/// version, every table's row count and content checksum, and the package blobs it names. Read in one transaction,
/// so with an exported snapshot they describe exactly what <c>pg_dump</c> writes.
/// </summary>
public static class PostgresSnapshot
{
    public sealed record Facts(
        long SchemaVersion,
        SortedDictionary<string, long> RowCounts,
        SortedDictionary<string, string> Checksums,
        SortedSet<string> PackageBlobs,
        SortedSet<string> JobBlobs);

    /// <summary>
    /// Sees every tenant's rows (the policies let <c>baton.system</c> through; the tables force RLS on their owner
    /// too) and fixes every setting a row's text form depends on, so a checksum taken here matches one taken on a
    /// restored copy whatever the two servers' defaults.
    /// </summary>
    public static async Task PrepareSessionAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT set_config('baton.system', 'on', false); SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; " +
            "SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex';", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads the facts inside <paramref name="transaction"/> (a repeatable-read one for a consistent view).</summary>
    public static async Task<Facts> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var schema = Convert.ToInt64(await ScalarAsync(connection, transaction, "SELECT coalesce(max(version), 0) FROM schema_migrations;", ct), CultureInfo.InvariantCulture);
        var tables = new List<string>();
        // Plain tables and partitions (relkind r); a partitioned parent holds no rows of its own.
        await using (var list = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname;", connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) tables.Add(reader.GetString(0));
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var checksums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            // Order-free: the sum of each row's first 60 MD5 bits, so no sort of a large table is needed.
            var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var command = new NpgsqlCommand(
                $"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM {quoted} t;", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            counts[table] = reader.GetInt64(0);
            checksums[table] = reader.GetString(1);
        }
        var packageBlobs = await StringsAsync(connection, transaction, "SELECT DISTINCT sha256 FROM package_versions;", ct);
        var jobBlobs = await StringsAsync(connection, transaction, "SELECT DISTINCT package_sha256 FROM jobs;", ct);
        return new Facts(schema, counts, checksums, packageBlobs, jobBlobs);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync(ct);
    }

    private static async Task<SortedSet<string>> StringsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) values.Add(reader.GetString(0));
        return values;
    }
}
