using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Core.Tenancy;
using Baton.Server.Backup;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Baton.Storage.Sqlite;

namespace Baton.Server.Tests.Backup;

/// <summary>Embedded backups against a live store: what goes in, what comes back, and every way a damaged archive is refused.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EmbeddedBackupTests : IAsyncLifetime
{
    private static readonly byte[] PackageBytes = Encoding.UTF8.GetBytes("pretend this is a zip of hello 1.0.0");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-backup-tests-" + Guid.NewGuid().ToString("N"));
    private string Data => Path.Combine(_root, "data");
    private string Archive => Path.Combine(_root, "backup.tar.gz");
    private IBatonStore _store = null!;
    private FileSystemBlobStore _blobs = null!;
    private string _sha = "";

    public async Task InitializeAsync()
    {
        _store = new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(Data, "baton.db") }, TimeProvider.System, RetryPolicy.Default);
        await _store.MigrateAsync(default);
        await _store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, TimeProvider.System.GetUtcNow()), default);
        _blobs = new FileSystemBlobStore(Path.Combine(Data, "blobs"));
        _sha = (await _blobs.PutAsync(new MemoryStream(PackageBytes), default)).Sha256;
        await _store.Packages.AddVersionAsync(new PackageVersionRecord("t-acme", "hello", "1.0.0", _sha, PackageBytes.Length,
            new PackageManifest { Name = "hello", Version = "1.0.0", Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" } },
            TimeProvider.System.GetUtcNow()), long.MaxValue, default);
        await File.WriteAllTextAsync(Path.Combine(Data, "master.key"), "k1:not-a-real-key\n");
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private Task<BackupManifest> BackupAsync(bool includeMasterKey = true) => EmbeddedBackup.CreateAsync(Data, _blobs, Archive, includeMasterKey, TimeProvider.System, default);

    private async Task<string> RefusalAsync(string archive)
    {
        var scratch = Directory.CreateTempSubdirectory("baton-verify-test-").FullName;
        try
        {
            var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => EmbeddedBackup.VerifyAsync(archive, scratch, default));
            return refused.Message;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public async Task A_backup_of_a_live_store_restores_the_database_the_blob_and_the_master_key()
    {
        var manifest = await BackupAsync();
        Assert.Equal(2, manifest.RowCounts["tenants"]); // default + acme
        Assert.Equal(1, manifest.RowCounts["package_versions"]);
        Assert.True(manifest.IncludesMasterKey);
        Assert.Contains(manifest.Files, f => f.Path == BackupManifest.BlobEntry(_sha));

        var target = Path.Combine(_root, "restored");
        var check = await EmbeddedBackup.RestoreAsync(Archive, target, null, default);
        Assert.Contains(check.Facts, f => f.Contains("all 1 package blob(s) present", StringComparison.Ordinal));
        Assert.Equal(PackageBytes, await File.ReadAllBytesAsync(Path.Combine(target, "blobs", "sha256", _sha[..2], _sha)));
        Assert.Equal("k1:not-a-real-key\n", await File.ReadAllTextAsync(Path.Combine(target, "master.key")));
        await using var restored = new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(target, "baton.db") }, TimeProvider.System, RetryPolicy.Default);
        Assert.NotNull(await restored.Packages.GetVersionAsync("t-acme", "hello", "1.0.0", default));
        Assert.Empty(await restored.MigrateAsync(default));
    }

    [Fact]
    public async Task The_master_key_stays_out_unless_asked_for_and_comes_back_from_its_own_file()
    {
        var manifest = await BackupAsync(includeMasterKey: false);
        Assert.False(manifest.IncludesMasterKey);
        Assert.DoesNotContain(manifest.Files, f => f.Path == BackupManifest.MasterKeyEntry);
        var target = Path.Combine(_root, "restored");
        var check = await EmbeddedBackup.RestoreAsync(Archive, target, Path.Combine(Data, "master.key"), default);
        Assert.Contains(check.Facts, f => f.StartsWith("no master key in the archive", StringComparison.Ordinal));
        Assert.Equal("k1:not-a-real-key\n", await File.ReadAllTextAsync(Path.Combine(target, "master.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(target, "master.key")));
    }

    [Fact]
    public async Task Writes_during_the_backup_leave_a_consistent_snapshot()
    {
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await _store.Tenants.CreateAsync(new TenantRecord($"t-{written}", $"tenant-{written}", Tier.Standard, QuotaOverrides.None, TimeProvider.System.GetUtcNow()), default);
                written++;
            }
        });
        while (written < 20) await Task.Delay(10);
        var manifest = await BackupAsync();
        await stop.CancelAsync();
        await writer;
        var scratch = Path.Combine(_root, "verify");
        var check = await EmbeddedBackup.VerifyAsync(Archive, scratch, default);
        Assert.InRange(check.Manifest.RowCounts["tenants"], 22, written + 2);
        Assert.Equal(manifest.RowCounts["tenants"], check.Manifest.RowCounts["tenants"]);
    }

    [Fact]
    public async Task A_blob_missing_from_the_store_fails_the_backup_instead_of_writing_an_unrestorable_archive()
    {
        File.Delete(Path.Combine(Data, "blobs", "sha256", _sha[..2], _sha));
        var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => BackupAsync());
        Assert.Contains("missing from the blob store", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Archive));
    }

    [Fact]
    public async Task Restore_refuses_a_folder_that_is_not_empty_and_leaves_it_alone()
    {
        await BackupAsync();
        var target = Path.Combine(_root, "busy");
        Directory.CreateDirectory(target);
        await File.WriteAllTextAsync(Path.Combine(target, "keep.txt"), "mine");
        var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => EmbeddedBackup.RestoreAsync(Archive, target, null, default));
        Assert.Contains("is not empty", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Changed_blob_bytes_are_refused_by_checksum()
    {
        await BackupAsync();
        var tampered = await RepackAsync(entries => entries[BackupManifest.BlobEntry(_sha)] = Encoding.UTF8.GetBytes("other bytes"));
        Assert.Contains($"'{BackupManifest.BlobEntry(_sha)}' has 11 bytes", await RefusalAsync(tampered), StringComparison.Ordinal);
        var sameSize = await RepackAsync(entries => entries[BackupManifest.BlobEntry(_sha)] = PackageBytes.Select(b => (byte)(b ^ 1)).ToArray());
        Assert.Contains("is damaged: its SHA-256 is", await RefusalAsync(sameSize), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_count_that_does_not_match_the_manifest_is_refused()
    {
        await BackupAsync();
        var tampered = await RepackAsync(entries =>
        {
            var manifest = JsonNode.Parse(entries[BackupManifest.EntryName])!;
            manifest["rowCounts"]!["tenants"] = 7;
            entries[BackupManifest.EntryName] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        });
        Assert.Equal("table 'tenants' has 2 rows; the manifest says 7.", await RefusalAsync(tampered));
    }

    [Fact]
    public async Task A_database_that_is_not_sqlite_is_refused_even_with_matching_checksums()
    {
        await BackupAsync();
        var garbage = RandomNumberGenerator.GetBytes(8192);
        var tampered = await RepackAsync(entries =>
        {
            entries[BackupManifest.DatabaseEntry] = garbage;
            var manifest = JsonNode.Parse(entries[BackupManifest.EntryName])!;
            var db = manifest["files"]!.AsArray().Single(f => (string?)f!["path"] == BackupManifest.DatabaseEntry)!;
            db["sizeBytes"] = garbage.Length;
            db["sha256"] = Convert.ToHexStringLower(SHA256.HashData(garbage));
            entries[BackupManifest.EntryName] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        });
        Assert.StartsWith("the database in the archive cannot be read", await RefusalAsync(tampered), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlisted_missing_and_escaping_entries_are_refused()
    {
        await BackupAsync();
        Assert.Contains("'../evil', which the manifest does not list",
            await RefusalAsync(await RepackAsync(entries => entries["../evil"] = [1, 2, 3])), StringComparison.Ordinal);
        Assert.Contains("lacks 1 file(s) the manifest lists",
            await RefusalAsync(await RepackAsync(entries => entries.Remove(BackupManifest.BlobEntry(_sha)))), StringComparison.Ordinal);
        Assert.Contains("not manifest.json",
            await RefusalAsync(await RepackAsync(entries => entries.Remove(BackupManifest.EntryName))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_or_foreign_file_is_refused()
    {
        await BackupAsync();
        var bytes = await File.ReadAllBytesAsync(Archive);
        var truncated = Path.Combine(_root, "truncated.tar.gz");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 3)]);
        Assert.NotEmpty(await RefusalAsync(truncated));
        var foreign = Path.Combine(_root, "foreign.tar.gz");
        await File.WriteAllTextAsync(foreign, "just text");
        Assert.Contains("damaged or truncated", await RefusalAsync(foreign), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damage_that_no_file_checksum_covers_is_refused_by_the_gzip_check()
    {
        await BackupAsync();
        // gzip's trailer is the CRC-32 and the length of everything compressed; the tar's end comes before it, so only a
        // reader that reads the stream to its end sees this (as it would a damaged tar header field or padding).
        var bytes = await File.ReadAllBytesAsync(Archive);
        bytes[^8] ^= 0x5a;
        var damaged = Path.Combine(_root, "damaged-crc.tar.gz");
        await File.WriteAllBytesAsync(damaged, bytes);
        Assert.Contains("damaged or truncated", await RefusalAsync(damaged), StringComparison.Ordinal);
    }

    /// <summary>Rewrites the archive with its entries changed (in order, manifest first), as an attacker or a bad disk might.</summary>
    private async Task<string> RepackAsync(Action<Dictionary<string, byte[]>> change)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var file = File.OpenRead(Archive))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var reader = new TarReader(gzip))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                using var content = new MemoryStream();
                if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(content);
                entries[entry.Name] = content.ToArray();
            }
        }
        change(entries);
        var path = Path.Combine(_root, $"tampered-{Guid.NewGuid():N}.tar.gz");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in entries)
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        }
        return path;
    }
}
