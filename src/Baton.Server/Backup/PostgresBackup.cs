using System.Data;
using Baton.Core.Jobs;
using Baton.Storage.Blobs;
using Baton.Storage.Postgres;
using Npgsql;

namespace Baton.Server.Backup;

/// <summary>
/// Backups of a PostgreSQL Baton that Baton can verify by itself. <see cref="CreateAsync"/> exports a snapshot, reads
/// every table's row count and content checksum in it, has <c>pg_dump</c> write exactly that snapshot, and archives
/// the dump with the package blobs it names. <see cref="VerifyAsync"/> restores the dump into a scratch database,
/// compares every count and checksum, checks the blobs, runs a job through the store on the copy
/// (<see cref="RestoreProbe"/>) and drops the scratch database; <see cref="PostgresRestore"/> restores it for real.
/// Physical backups with WAL archiving for point-in-time recovery stay PostgreSQL's job (scripts/postgres-pitr.sh).
/// </summary>
public static class PostgresBackup
{
    private const int SnapshotAttempts = 3;

    /// <param name="connectionString">The owner's (migration) connection: the runtime role cannot read partitions.</param>
    public static async Task<BackupManifest> CreateAsync(string connectionString, IBlobStore blobs, string archivePath, TimeProvider time, CancellationToken ct)
    {
        var tools = PostgresTools.Locate();
        var staging = Directory.CreateTempSubdirectory("baton-backup-").FullName;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (manifest, missing) = await SnapshotAsync(connectionString, tools, blobs, staging, time, ct);
                if (missing.Count == 0)
                {
                    await BackupArchive.WriteAsync(archivePath, manifest, staging, ct);
                    return manifest;
                }
                // A version deleted between the snapshot and the blob read: take the snapshot again, as the embedded backup does.
                if (attempt == SnapshotAttempts)
                {
                    throw new BackupRefusedException(
                        $"{missing.Count} package blob(s) named by the database are missing from the blob store, e.g. {missing[0]}" +
                        $" (after {SnapshotAttempts} snapshots); the blob store does not match this database.");
                }
                Directory.Delete(staging, recursive: true);
                Directory.CreateDirectory(staging);
            }
        }
        catch (NpgsqlException e)
        {
            throw new BackupRefusedException($"the database could not be read ({e.Message}); pass the owner's connection string (the one migrations use).", e);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<(BackupManifest Manifest, List<string> Missing)> SnapshotAsync(
        string connectionString, PostgresTools tools, IBlobStore blobs, string staging, TimeProvider time, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await PostgresSnapshot.PrepareSessionAsync(connection, ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot();", connection, transaction))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        }
        var createdAt = time.GetUtcNow();
        var facts = await PostgresSnapshot.ReadAsync(connection, transaction, ct);
        var dump = Path.Combine(staging, BackupManifest.PostgresDumpEntry);
        // The exporting transaction stays open until pg_dump is done: its snapshot lives only as long.
        await tools.DumpAsync(connectionString, snapshot, dump, ct);
        await transaction.CommitAsync(ct);

        var (dumpSize, dumpSha) = await BackupArchive.HashFileAsync(dump, ct);
        var files = new List<BackupFile> { new(BackupManifest.PostgresDumpEntry, dumpSize, dumpSha) };
        var missing = new List<string>();
        var optional = new SortedSet<string>(facts.JobBlobs, StringComparer.Ordinal);
        optional.ExceptWith(facts.PackageBlobs);
        foreach (var sha256 in facts.PackageBlobs.Concat(optional))
        {
            var file = await EmbeddedBackup.CopyBlobAsync(blobs, sha256, staging, ct);
            if (file is not null) files.Add(file);
            else if (facts.PackageBlobs.Contains(sha256)) missing.Add(sha256);
        }
        var manifest = new BackupManifest(BackupManifest.CurrentFormat, "postgres", createdAt, facts.SchemaVersion, false, files, facts.RowCounts, facts.Checksums);
        return (manifest, missing);
    }

    /// <summary>
    /// Restores the archive's dump into a new scratch database on the server <paramref name="serverConnectionString"/>
    /// reaches (its role needs CREATEDB), checks it against the manifest, runs a job on it, and drops it.
    /// </summary>
    public static async Task<BackupCheck> VerifyAsync(string archivePath, string folder, string serverConnectionString, TimeProvider time, CancellationToken ct)
    {
        var manifest = await ExtractAsync(archivePath, folder, "verify", ct);
        var tools = PostgresTools.Locate();
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
        var scratchName = "baton_verify_" + Guid.NewGuid().ToString("N")[..12];
        var scratch = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = scratchName, Pooling = false }.ConnectionString;
        var facts = new List<string> { FilesFact(manifest) };
        try
        {
            await ExecuteAsync(server.ConnectionString, $"CREATE DATABASE {scratchName};", ct);
        }
        catch (NpgsqlException e)
        {
            throw new BackupRefusedException($"no scratch database could be created to restore into ({e.Message}); the role needs CREATEDB.", e);
        }
        try
        {
            await tools.RestoreAsync(scratch, Path.Combine(folder, BackupManifest.PostgresDumpEntry), privileges: false, progress: null, ct);
            facts.Add($"pg_restore into scratch database {scratchName} succeeded");
            facts.AddRange(await CompareRestoredAsync(scratch, manifest, ct));
            await using var store = new PostgresBatonStore(new PostgresStoreOptions { ConnectionString = scratch }, time, RetryPolicy.Default);
            facts.Add(await RestoreProbe.RunAsync(store, time, ct));
        }
        catch (NpgsqlException e)
        {
            throw new BackupRefusedException($"the restored copy cannot be read: {e.Message}", e);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server.ConnectionString, $"DROP DATABASE IF EXISTS {scratchName} WITH (FORCE);", CancellationToken.None);
        }
        facts.Add("no master key in the archive: the restored server needs the source's keys (the same BATON_MASTER_KEYS)");
        return new BackupCheck(manifest, facts);
    }

    /// <summary>Extracts the archive, checking every file; refuses one that is not a PostgreSQL backup.</summary>
    internal static async Task<BackupManifest> ExtractAsync(string archivePath, string folder, string verb, CancellationToken ct)
    {
        var manifest = await BackupArchive.ExtractCheckedAsync(archivePath, folder, ct);
        if (manifest.Storage != "postgres")
            throw new BackupRefusedException($"the archive is a {manifest.Storage} backup; {verb} it without --postgres.");
        if (manifest.TableChecksums is null) throw new BackupRefusedException("the manifest has no table checksums: not a PostgreSQL backup of this Baton.");
        return manifest;
    }

    internal static string FilesFact(BackupManifest manifest) =>
        $"{manifest.Files.Count + 1} files, {manifest.Files.Sum(f => f.SizeBytes):N0} bytes: every SHA-256 matches the manifest";

    /// <summary>Reads the restored database's facts as create read the source's, and compares them with the manifest.</summary>
    internal static async Task<IReadOnlyList<string>> CompareRestoredAsync(string connectionString, BackupManifest manifest, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await PostgresSnapshot.PrepareSessionAsync(connection, ct);
        return [.. Compare(manifest, await PostgresSnapshot.ReadAsync(connection, null, ct))];
    }

    private static IEnumerable<string> Compare(BackupManifest manifest, PostgresSnapshot.Facts restored)
    {
        if (restored.SchemaVersion != manifest.SchemaVersion)
            throw new BackupRefusedException($"the restored database is at schema {restored.SchemaVersion}; the manifest says {manifest.SchemaVersion}.");
        yield return $"schema version {restored.SchemaVersion}";
        foreach (var (table, expected) in manifest.RowCounts)
        {
            if (!restored.RowCounts.TryGetValue(table, out var actual))
                throw new BackupRefusedException($"the restored database has no table '{table}', which the manifest counts.");
            if (actual != expected) throw new BackupRefusedException($"table '{table}' has {actual} rows after the restore; the manifest says {expected}.");
            if (manifest.TableChecksums!.GetValueOrDefault(table) != restored.Checksums[table])
                throw new BackupRefusedException($"table '{table}' has other content after the restore than when it was backed up (checksum differs).");
        }
        var unlisted = restored.RowCounts.Keys.Except(manifest.RowCounts.Keys).ToList();
        if (unlisted.Count > 0) throw new BackupRefusedException($"the restored database has table '{unlisted[0]}', which the manifest does not count.");
        yield return $"row counts and content checksums match in all {restored.RowCounts.Count} tables: {EmbeddedBackup.Summarise(restored.RowCounts)}";
        var archived = manifest.Files.Select(f => BackupArchive.IsBlobEntry(f.Path, out var sha) ? sha : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var absent = restored.PackageBlobs.Where(sha => !archived.Contains(sha)).ToList();
        if (absent.Count > 0) throw new BackupRefusedException($"{absent.Count} package blob(s) the database names are not in the archive, e.g. {absent[0]}.");
        yield return $"all {restored.PackageBlobs.Count} package blob(s) present";
    }

    internal static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
