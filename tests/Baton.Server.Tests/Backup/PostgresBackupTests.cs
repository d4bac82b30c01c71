using Baton.Core.Jobs;
using Baton.Server.Backup;
using Baton.Server.Tests.Support;
using Baton.Storage.Blobs;
using Baton.Storage.Postgres;
using Npgsql;

namespace Baton.Server.Tests.Backup;

/// <summary>
/// PostgreSQL backups on the test server: pg_dump of one snapshot with every table counted and checksummed, restored
/// by verify into a scratch database that is compared, used for a job and dropped; a manifest that disagrees with the
/// dump is refused.
/// </summary>
public sealed class PostgresBackupTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-pg-backup-tests-" + Guid.NewGuid().ToString("N"));
    private string Archive => Path.Combine(_root, "backup.tar.gz");
    private TestPostgres _postgres = null!;
    private PostgresBatonStore _store = null!;
    private FileSystemBlobStore _blobs = null!;

    private static string Admin => Environment.GetEnvironmentVariable("BATON_TEST_POSTGRES")
        ?? throw new InvalidOperationException("BATON_TEST_POSTGRES is not set: start a throwaway server with `eval \"$(scripts/test-postgres.sh start)\"`.");

    public async Task InitializeAsync()
    {
        _postgres = await TestPostgres.CreateAsync();
        _store = new PostgresBatonStore(new PostgresStoreOptions { ConnectionString = _postgres.OwnerConnectionString }, TimeProvider.System, RetryPolicy.Default);
        await _store.MigrateAsync(default);
        _blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        await PostgresBackupSeed.SeedAsync(_store, _blobs);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _postgres.DisposeAsync();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private Task<BackupManifest> BackupAsync() => PostgresBackup.CreateAsync(_postgres.OwnerConnectionString, _blobs, Archive, TimeProvider.System, default);

    private async Task<BackupCheck> VerifyAsync(string archive)
    {
        var scratch = Directory.CreateTempSubdirectory("baton-pg-verify-test-").FullName;
        try
        {
            return await PostgresBackup.VerifyAsync(archive, scratch, Admin, TimeProvider.System, default);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public async Task A_backup_counts_and_checksums_every_table_and_verify_restores_compares_runs_a_job_and_cleans_up()
    {
        var manifest = await BackupAsync();

        Assert.Equal("postgres", manifest.Storage);
        Assert.Equal(5, manifest.RowCounts["jobs"]);
        Assert.Equal(2, manifest.RowCounts["tenants"]); // the shared pool's reserved tenant + acme
        Assert.True(manifest.RowCounts.Where(c => c.Key.StartsWith("job_events", StringComparison.Ordinal)).Sum(c => c.Value) > 0);
        Assert.Equal(manifest.RowCounts.Keys, manifest.TableChecksums!.Keys);
        Assert.Contains(manifest.Files, f => f.Path == BackupManifest.PostgresDumpEntry);
        Assert.Single(manifest.Files, f => BackupArchive.IsBlobEntry(f.Path, out _));

        var check = await VerifyAsync(Archive);

        Assert.Contains(check.Facts, f => f.StartsWith("row counts and content checksums match in all", StringComparison.Ordinal));
        Assert.Contains(check.Facts, f => f.Contains("all 1 package blob(s) present", StringComparison.Ordinal));
        Assert.Contains(check.Facts, f => f.StartsWith("a job ran the whole way on the restored copy", StringComparison.Ordinal));
        Assert.Empty(await ScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_manifest_that_disagrees_with_the_dump_is_refused()
    {
        var manifest = await BackupAsync();

        var moreJobs = new SortedDictionary<string, long>(manifest.RowCounts.ToDictionary(), StringComparer.Ordinal) { ["jobs"] = 6 };
        var countRefused = await Assert.ThrowsAsync<BackupRefusedException>(async () => await VerifyAsync(await RewriteAsync(manifest with { RowCounts = moreJobs })));
        Assert.Contains("table 'jobs' has 5 rows after the restore; the manifest says 6", countRefused.Message, StringComparison.Ordinal);

        var otherTenants = new SortedDictionary<string, string>(manifest.TableChecksums!.ToDictionary(), StringComparer.Ordinal) { ["tenants"] = "12345" };
        var checksumRefused = await Assert.ThrowsAsync<BackupRefusedException>(async () => await VerifyAsync(await RewriteAsync(manifest with { TableChecksums = otherTenants })));
        Assert.Contains("table 'tenants' has other content", checksumRefused.Message, StringComparison.Ordinal);
        Assert.Empty(await ScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_postgres_archive_given_to_the_embedded_verify_is_refused_with_what_to_do()
    {
        await BackupAsync();
        var scratch = Directory.CreateTempSubdirectory("baton-pg-verify-test-").FullName;
        try
        {
            var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => EmbeddedBackup.VerifyAsync(Archive, scratch, default));
            Assert.Contains("verify it with --postgres CONN", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The same files under another manifest, as someone who edited the archive would leave it.</summary>
    private async Task<string> RewriteAsync(BackupManifest manifest)
    {
        var folder = Directory.CreateTempSubdirectory("baton-pg-rewrite-").FullName;
        Directory.Delete(folder);
        await BackupArchive.ExtractCheckedAsync(Archive, folder, default);
        var target = Path.Combine(_root, $"rewritten-{Guid.NewGuid():N}.tar.gz");
        await BackupArchive.WriteAsync(target, manifest, folder, default);
        Directory.Delete(folder, recursive: true);
        return target;
    }

    private static async Task<List<string>> ScratchDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'baton_verify_%';", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }
}
