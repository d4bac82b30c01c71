using Microsoft.Data.Sqlite;

namespace Baton.Server.Backup;

/// <summary>
/// The SQLite side of an embedded backup: a consistent copy of a live database through SQLite's online backup API,
/// and the facts about a copy that a manifest records and verify checks again (integrity, schema, row counts and
/// the package blobs it references).
/// </summary>
public static class SqliteSnapshot
{
    /// <summary>
    /// Copies <paramref name="sourcePath"/> to <paramref name="targetPath"/> while other processes may write to it:
    /// the backup reads every page inside one read transaction (a WAL snapshot), so the copy is the database as of
    /// one commit. The copy is switched to a rollback journal so it is one self-contained file.
    /// </summary>
    public static void Copy(string sourcePath, string targetPath)
    {
        if (!File.Exists(sourcePath)) throw new BackupRefusedException($"There is no Baton database at {sourcePath}.");
        using var source = new SqliteConnection(ConnectionString(sourcePath, SqliteOpenMode.ReadWrite));
        using var target = new SqliteConnection(ConnectionString(targetPath, SqliteOpenMode.ReadWriteCreate));
        source.Open();
        target.Open();
        source.BackupDatabase(target);
        Execute(target, "PRAGMA journal_mode = DELETE;");
    }

    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadOnly));
        connection.Open();
        return connection;
    }

    /// <summary>"ok", or SQLite's first complaint about the file.</summary>
    public static string IntegrityCheck(SqliteConnection db) => Convert.ToString(Scalar(db, "PRAGMA integrity_check;"), System.Globalization.CultureInfo.InvariantCulture) ?? "no answer";

    public static long SchemaVersion(SqliteConnection db) =>
        Convert.ToInt64(Scalar(db, "SELECT coalesce(max(version), 0) FROM schema_migrations;"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rows per table (SQLite's own tables left out), ordered by name.</summary>
    public static SortedDictionary<string, long> RowCounts(SqliteConnection db)
    {
        var tables = new List<string>();
        using (var list = db.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            // Table names come from sqlite_master, quoted as identifiers.
            counts[table] = Convert.ToInt64(Scalar(db, $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\";"), System.Globalization.CultureInfo.InvariantCulture);
        }
        return counts;
    }

    /// <summary>Blobs the copy cannot work without: the archives of its package versions and its jobs' artifacts.</summary>
    public static SortedSet<string> PackageBlobs(SqliteConnection db) =>
        Strings(db, "SELECT sha256 FROM package_versions UNION SELECT sha256 FROM job_artifacts;");

    /// <summary>
    /// Blobs the copy's jobs name. A job of a deleted version may name a blob that is gone for good, so these are
    /// kept when present and not required.
    /// </summary>
    public static SortedSet<string> JobBlobs(SqliteConnection db) => Strings(db, "SELECT DISTINCT package_sha256 FROM jobs;");

    private static SortedSet<string> Strings(SqliteConnection db, string sql)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // No pooling: a pooled handle would keep the copy (and its folder) open after the backup returns.
    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(path),
        Mode = mode,
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();
}
