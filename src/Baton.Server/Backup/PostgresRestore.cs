using System.Diagnostics;
using Baton.Core.Jobs;
using Baton.Storage.Blobs;
using Baton.Storage.Postgres;
using Npgsql;

namespace Baton.Server.Backup;

/// <summary>
/// Restores an archive of <see cref="PostgresBackup.CreateAsync"/> into an empty database a server will run on: the
/// archive checked file by file, the blobs put into the blob store, the dump restored in one transaction with its
/// grants, every table's row count and checksum compared with the manifest (the checks verify makes on its scratch
/// copy), then migrated to this Baton's schema. A check that fails after the dump went in empties the target again,
/// so a refused restore leaves it as it was found.
/// </summary>
public static class PostgresRestore
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);

    /// <param name="folder">A new folder to extract into (the caller deletes it).</param>
    /// <param name="targetConnectionString">The owner's connection to the target database; it becomes the tables' owner.</param>
    /// <param name="force">Drop whatever the target holds first instead of refusing a non-empty one.</param>
    /// <param name="progress">Told, in words, as each long step starts and while blobs and tables load.</param>
    public static async Task<BackupCheck> RestoreAsync(string archivePath, string folder, string targetConnectionString, IBlobStore blobs, bool force,
        TimeProvider time, Action<string> progress, CancellationToken ct)
    {
        var tools = PostgresTools.Locate();
        var target = new NpgsqlConnectionStringBuilder(targetConnectionString) { Pooling = false };
        var database = target.Database ?? target.Username ?? "postgres";
        progress("extracting the archive and checking every file's SHA-256");
        var manifest = await PostgresBackup.ExtractAsync(archivePath, folder, "restore", ct);
        var facts = new List<string> { PostgresBackup.FilesFact(manifest) };
        try
        {
            var existing = await PostgresTargetDatabase.DescribeAsync(target.ConnectionString, ct);
            if (existing.Count > 0 && !force)
            {
                throw new BackupRefusedException(
                    $"the target database '{database}' is not empty: it holds {existing.Count} object(s), e.g. {existing[0]}. Restore into a new, empty " +
                    "database (CREATE DATABASE …), or pass --force to drop everything in this one first (nothing was changed).");
            }
            await PostgresTargetDatabase.EnsureRuntimeRoleAsync(target.ConnectionString, ct);
            if (existing.Count > 0)
            {
                progress($"--force: dropping the {existing.Count} object(s) the target database holds");
                await PostgresTargetDatabase.EmptyAsync(target.ConnectionString, ct);
                facts.Add($"--force: dropped the {existing.Count} object(s) the target held first");
            }
        }
        catch (NpgsqlException e)
        {
            throw new BackupRefusedException($"the target database '{database}' cannot be read or emptied ({e.Message}); pass the owner's connection string.", e);
        }

        // Blobs before the database: content-addressed, so an extra one harms nothing, while a database whose
        // packages have no bytes would.
        facts.Add(await RestoreBlobsAsync(manifest, folder, blobs, progress, ct));

        progress("restoring the database with pg_restore (one transaction)");
        await tools.RestoreAsync(target.ConnectionString, Path.Combine(folder, BackupManifest.PostgresDumpEntry), privileges: true, progress, ct);
        try
        {
            facts.Add($"pg_restore into '{database}' succeeded, grants to baton_app included");
            progress("comparing every table's row count and checksum with the manifest");
            facts.AddRange(await PostgresBackup.CompareRestoredAsync(target.ConnectionString, manifest, ct));
            progress("applying this Baton's migrations");
            await using var store = new PostgresBatonStore(new PostgresStoreOptions { ConnectionString = target.ConnectionString }, time, RetryPolicy.Default);
            var applied = await store.MigrateAsync(ct);
            facts.Add(applied.Count == 0
                ? $"schema {manifest.SchemaVersion} is this Baton's: no migration needed"
                : $"migrated from schema {manifest.SchemaVersion} to {applied.Max()} ({applied.Count} migration(s))");
        }
        catch (Exception e) when (e is BackupRefusedException or NpgsqlException)
        {
            NpgsqlConnection.ClearAllPools();
            var reason = e is BackupRefusedException ? e.Message : $"the restored database cannot be read: {e.Message}";
            try
            {
                await PostgresTargetDatabase.EmptyAsync(target.ConnectionString, CancellationToken.None);
            }
            catch (NpgsqlException cleanup)
            {
                throw new BackupRefusedException($"{reason} Emptying the target database again failed too ({cleanup.Message}): drop and recreate it.", e);
            }
            throw new BackupRefusedException($"{reason} The target database was emptied again.", e);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }
        facts.Add("no master key in the archive: start the server with the source's keys (the same BATON_MASTER_KEYS, or its master.key in --data)");
        return new BackupCheck(manifest, facts);
    }

    private static async Task<string> RestoreBlobsAsync(BackupManifest manifest, string folder, IBlobStore blobs, Action<string> progress, CancellationToken ct)
    {
        var entries = manifest.Files.Where(f => BackupArchive.IsBlobEntry(f.Path, out _)).ToList();
        progress($"putting {entries.Count} blob(s) into the blob store");
        var clock = Stopwatch.StartNew();
        var reported = TimeSpan.Zero;
        var present = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            BackupArchive.IsBlobEntry(entries[i].Path, out var sha256);
            if (await blobs.ExistsAsync(sha256, ct))
            {
                present++;
            }
            else
            {
                await using var content = File.OpenRead(Path.Combine(folder, entries[i].Path));
                var put = await blobs.PutAsync(content, ct);
                if (put.Sha256 != sha256) throw new BackupRefusedException($"the blob store kept {entries[i].Path} as {put.Sha256}: it is damaged or not content-addressed.");
            }
            if (clock.Elapsed - reported >= ProgressEvery)
            {
                reported = clock.Elapsed;
                progress($"blobs: {i + 1} of {entries.Count}");
            }
        }
        return $"{entries.Count} blob(s) in the blob store ({entries.Count - present} written, {present} there already)";
    }
}
