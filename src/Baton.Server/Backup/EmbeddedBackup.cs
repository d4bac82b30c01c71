using Baton.Server.Secrets;
using Baton.Storage.Blobs;

namespace Baton.Server.Backup;

/// <summary>
/// Backups of the embedded backend (a data folder with SQLite and, by default, a blob folder), taken while the
/// server runs. Order matters: the database is copied first, then exactly the blobs that copy references, so every
/// package in the archive has its bytes. Blobs are immutable and only deleted once no package version names them;
/// if one disappears between the copy and the blob read (a version deleted meanwhile), the whole snapshot is taken
/// again rather than shipping an archive that cannot restore that package.
/// </summary>
public static class EmbeddedBackup
{
    private const int SnapshotAttempts = 3;

    /// <param name="includeMasterKey">
    /// Also archive <c>DATA/master.key</c>. Off by default: a key stored beside the data it protects protects little
    /// (docs/security.md), so the key is normally backed up apart and given to <see cref="RestoreAsync"/>.
    /// </param>
    public static async Task<BackupManifest> CreateAsync(string dataDirectory, IBlobStore blobs, string archivePath, bool includeMasterKey, TimeProvider time, CancellationToken ct)
    {
        var database = Path.Combine(dataDirectory, "baton.db");
        var staging = Directory.CreateTempSubdirectory("baton-backup-").FullName;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var createdAt = time.GetUtcNow();
                var manifest = await SnapshotAsync(database, dataDirectory, blobs, staging, createdAt, includeMasterKey, ct);
                if (manifest.Missing.Count == 0)
                {
                    await BackupArchive.WriteAsync(archivePath, manifest.Manifest, staging, ct);
                    return manifest.Manifest;
                }
                if (attempt == SnapshotAttempts)
                {
                    throw new BackupRefusedException(
                        $"{manifest.Missing.Count} package blob(s) named by the database are missing from the blob store, e.g. {manifest.Missing.First()}" +
                        $" (after {SnapshotAttempts} snapshots); the blob store does not match this database.");
                }
                Directory.Delete(staging, recursive: true);
                Directory.CreateDirectory(staging);
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private sealed record Snapshot(BackupManifest Manifest, IReadOnlyCollection<string> Missing);

    private static async Task<Snapshot> SnapshotAsync(string database, string dataDirectory, IBlobStore blobs, string staging, DateTimeOffset createdAt, bool includeMasterKey, CancellationToken ct)
    {
        var copy = Path.Combine(staging, BackupManifest.DatabaseEntry);
        SqliteSnapshot.Copy(database, copy);
        long schema;
        SortedDictionary<string, long> counts;
        SortedSet<string> required, optional;
        using (var db = SqliteSnapshot.OpenReadOnly(copy))
        {
            var integrity = SqliteSnapshot.IntegrityCheck(db);
            if (integrity != "ok") throw new BackupRefusedException($"The database copy failed SQLite's integrity check: {integrity}");
            schema = SqliteSnapshot.SchemaVersion(db);
            counts = SqliteSnapshot.RowCounts(db);
            required = SqliteSnapshot.PackageBlobs(db);
            optional = SqliteSnapshot.JobBlobs(db);
        }
        optional.ExceptWith(required);

        var files = new List<BackupFile>();
        var (dbSize, dbSha) = await BackupArchive.HashFileAsync(copy, ct);
        files.Add(new BackupFile(BackupManifest.DatabaseEntry, dbSize, dbSha));

        var masterKey = Path.Combine(dataDirectory, MasterKeyProvider.DefaultFileName);
        if (includeMasterKey && !File.Exists(masterKey))
            throw new BackupRefusedException($"There is no {masterKey} to include (the server takes its keys from configuration); back those up with your secrets.");
        var includesKey = includeMasterKey;
        if (includesKey)
        {
            await using var key = File.OpenRead(masterKey);
            var (size, sha) = await BackupArchive.CopyHashedAsync(key, Path.Combine(staging, BackupManifest.MasterKeyEntry), ct);
            files.Add(new BackupFile(BackupManifest.MasterKeyEntry, size, sha));
        }

        var missing = new List<string>();
        foreach (var sha256 in required.Concat(optional))
        {
            var file = await CopyBlobAsync(blobs, sha256, staging, ct);
            if (file is not null) files.Add(file);
            else if (required.Contains(sha256)) missing.Add(sha256);
        }
        var manifest = new BackupManifest(BackupManifest.CurrentFormat, "sqlite", createdAt, schema, includesKey, files, counts);
        return new Snapshot(manifest, missing);
    }

    internal static async Task<BackupFile?> CopyBlobAsync(IBlobStore blobs, string sha256, string staging, CancellationToken ct)
    {
        await using var content = await blobs.OpenReadAsync(sha256, ct);
        if (content is null) return null;
        var entry = BackupManifest.BlobEntry(sha256);
        var target = Path.Combine(staging, entry);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var (size, actual) = await BackupArchive.CopyHashedAsync(content, target, ct);
        // The store is content-addressed: other bytes under this name mean the store itself is damaged.
        if (actual != sha256) throw new BackupRefusedException($"Blob {sha256} in the blob store is damaged (its content hashes to {actual}); restore it from another copy first.");
        return new BackupFile(entry, size, sha256);
    }

    /// <summary>
    /// Everything verify checks, on an archive extracted into <paramref name="folder"/>: every checksum (while
    /// extracting), SQLite's integrity check, the schema version, every table's row count and that every package
    /// blob the database names is in the archive. Returns what was checked, in words.
    /// </summary>
    public static async Task<BackupCheck> VerifyAsync(string archivePath, string folder, CancellationToken ct)
    {
        var manifest = await BackupArchive.ExtractCheckedAsync(archivePath, folder, ct);
        if (manifest.Storage != "sqlite")
            throw new BackupRefusedException($"the archive is a {manifest.Storage} backup: verify it with --postgres CONN (it is restored into a scratch database there); restore it with --postgres CONN.");
        try
        {
            return CheckDatabase(manifest, folder);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new BackupRefusedException($"the database in the archive cannot be read: {e.Message}", e);
        }
    }

    private static BackupCheck CheckDatabase(BackupManifest manifest, string folder)
    {
        var facts = new List<string>
        {
            $"{manifest.Files.Count + 1} files, {manifest.Files.Sum(f => f.SizeBytes):N0} bytes: every SHA-256 matches the manifest",
        };
        using (var db = SqliteSnapshot.OpenReadOnly(Path.Combine(folder, BackupManifest.DatabaseEntry)))
        {
            var integrity = SqliteSnapshot.IntegrityCheck(db);
            if (integrity != "ok") throw new BackupRefusedException($"the database fails SQLite's integrity check: {integrity}");
            var schema = SqliteSnapshot.SchemaVersion(db);
            if (schema != manifest.SchemaVersion)
                throw new BackupRefusedException($"the database is at schema {schema}; the manifest says {manifest.SchemaVersion}.");
            facts.Add($"database integrity ok, schema version {schema}");
            var counts = SqliteSnapshot.RowCounts(db);
            foreach (var (table, expected) in manifest.RowCounts)
            {
                if (!counts.TryGetValue(table, out var actual))
                    throw new BackupRefusedException($"the database has no table '{table}', which the manifest counts.");
                if (actual != expected)
                    throw new BackupRefusedException($"table '{table}' has {actual} rows; the manifest says {expected}.");
            }
            var unlisted = counts.Keys.Except(manifest.RowCounts.Keys).ToList();
            if (unlisted.Count > 0) throw new BackupRefusedException($"the database has table '{unlisted[0]}', which the manifest does not count.");
            facts.Add($"row counts match: {Summarise(counts)}");
            var packaged = SqliteSnapshot.PackageBlobs(db);
            var archived = manifest.Files.Select(f => BackupArchive.IsBlobEntry(f.Path, out var sha) ? sha : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var absent = packaged.Where(sha => !archived.Contains(sha)).ToList();
            if (absent.Count > 0)
                throw new BackupRefusedException($"{absent.Count} package blob(s) the database names are not in the archive, e.g. {absent[0]}.");
            facts.Add($"all {packaged.Count} package blob(s) present");
        }
        facts.Add(manifest.IncludesMasterKey
            ? "master key included (secrets decrypt after a restore)"
            : "no master key in the archive: the restored server needs the source's keys (restore --master-key FILE, or the same BATON_MASTER_KEYS)");
        return new BackupCheck(manifest, facts);
    }

    /// <summary>
    /// Restores into <paramref name="dataDirectory"/>, which must be missing or empty: the archive is verified into a
    /// folder beside it first and moved into place only when every check passed.
    /// </summary>
    /// <param name="masterKeyFile">The source's key file, backed up apart from the archive; copied in as <c>master.key</c>.</param>
    public static async Task<BackupCheck> RestoreAsync(string archivePath, string dataDirectory, string? masterKeyFile, CancellationToken ct)
    {
        if (masterKeyFile is not null && !File.Exists(masterKeyFile)) throw new BackupRefusedException($"The master key file {masterKeyFile} does not exist.");
        var target = Path.GetFullPath(dataDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new BackupRefusedException($"{target} is not empty; restore into a new or empty folder (nothing was changed).");
        if (File.Exists(target)) throw new BackupRefusedException($"{target} is a file, not a folder.");
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.restoring-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            var check = await VerifyAsync(archivePath, staging, ct);
            if (masterKeyFile is not null)
            {
                if (check.Manifest.IncludesMasterKey) throw new BackupRefusedException("The archive holds a master key already; restore without --master-key.");
                await using var key = File.OpenRead(masterKeyFile);
                await BackupArchive.CopyHashedAsync(key, Path.Combine(staging, MasterKeyProvider.DefaultFileName), ct);
            }
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
            return check;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    internal static string Summarise(SortedDictionary<string, long> counts)
    {
        string[] shown = ["tenants", "api_keys", "agents", "package_versions", "schedules", "calendars", "queues", "webhooks", "jobs"];
        return string.Join(", ", shown.Where(counts.ContainsKey).Select(t => $"{t} {counts[t]:N0}")) + $" ({counts.Count} tables)";
    }
}

/// <summary>A verified archive and what was checked.</summary>
public sealed record BackupCheck(BackupManifest Manifest, IReadOnlyList<string> Facts);
