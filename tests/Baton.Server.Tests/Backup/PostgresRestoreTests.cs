using System.Globalization;
using Baton.Core.Jobs;
using Baton.Server.Backup;
using Baton.Server.Tests.Support;
using Baton.Storage.Blobs;
using Baton.Storage.Postgres;
using Npgsql;

namespace Baton.Server.Tests.Backup;

/// <summary>
/// <see cref="PostgresRestore"/> on the test server: a backup restored into an empty database with its blobs, counts,
/// checksums and grants; a non-empty target refused unless forced; an archive of an older schema migrated; a damaged
/// archive or a manifest that disagrees with the dump refused, the target left empty.
/// </summary>
public sealed class PostgresRestoreTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-pg-restore-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _progress = [];
    private string Archive => Path.Combine(_root, "backup.tar.gz");
    private TestPostgres _source = null!;
    private TestPostgres _target = null!;

    public async Task InitializeAsync()
    {
        _source = await TestPostgres.CreateAsync();
        _target = await TestPostgres.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_backup_restores_into_an_empty_database_with_its_blobs_counts_and_grants_and_a_second_restore_needs_force()
    {
        var manifest = await BackUpSeededSourceAsync(migrate: true);
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "restored-blobs"));

        var check = await RestoreAsync(Archive, blobs);

        Assert.Contains(check.Facts, f => f.StartsWith("row counts and content checksums match in all", StringComparison.Ordinal));
        Assert.Contains("1 blob(s) in the blob store (1 written, 0 there already)", check.Facts);
        Assert.Contains($"schema {manifest.SchemaVersion} is this Baton's: no migration needed", check.Facts);
        Assert.Contains(_progress, p => p.StartsWith("restoring the database with pg_restore", StringComparison.Ordinal));
        Assert.Contains(_progress, p => p == "loading public.jobs");
        var sha = Assert.Single(manifest.Files, f => BackupArchive.IsBlobEntry(f.Path, out _)).Sha256;
        await using (var blob = await blobs.OpenReadAsync(sha, default))
        {
            using var bytes = new MemoryStream();
            await blob!.CopyToAsync(bytes);
            Assert.Equal(PostgresBackupSeed.PackageBytes, bytes.ToArray());
        }
        // The runtime role (no ownership, no BYPASSRLS) works on the copy: the grants came back with it.
        await using (var runtime = new PostgresBatonStore(new PostgresStoreOptions { ConnectionString = _target.AppConnectionString }, TimeProvider.System, RetryPolicy.Default))
        {
            var states = new List<JobState?>();
            for (var i = 0; i < 5; i++) states.Add((await runtime.Jobs.GetAsync("t-acme", $"j-{i}", default))?.State);
            Assert.Equal(1, states.Count(s => s == JobState.Succeeded));
            Assert.Equal(4, states.Count(s => s == JobState.Pending));
            Assert.NotNull(await runtime.Packages.GetVersionAsync("t-acme", "hello", "1.0.0", default));
        }

        var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => RestoreAsync(Archive, blobs));
        Assert.Contains($"the target database '{_target.Database}' is not empty", refused.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(5, await JobCountAsync());

        var forced = await RestoreAsync(Archive, blobs, force: true);
        Assert.Contains(forced.Facts, f => f.StartsWith("--force: dropped the ", StringComparison.Ordinal));
        Assert.Contains("1 blob(s) in the blob store (0 written, 1 there already)", forced.Facts);
        Assert.Equal(5, await JobCountAsync());
    }

    [Fact]
    public async Task An_archive_of_an_older_schema_is_restored_then_migrated_to_this_baton()
    {
        var latest = MigrationScripts().Max(s => s.Version);
        var manifest = await BackUpSeededSourceAsync(migrate: false);
        Assert.Equal(latest - 1, manifest.SchemaVersion);

        var check = await RestoreAsync(Archive, new FileSystemBlobStore(Path.Combine(_root, "restored-blobs")));

        Assert.Contains($"migrated from schema {latest - 1} to {latest} (1 migration(s))", check.Facts);
        Assert.Contains(check.Facts, f => f.StartsWith("row counts and content checksums match in all", StringComparison.Ordinal));
        Assert.Equal(latest, await ScalarAsync<int>("SELECT max(version) FROM schema_migrations;"));
    }

    [Fact]
    public async Task A_damaged_archive_or_a_manifest_that_disagrees_with_the_dump_is_refused_and_the_target_stays_empty()
    {
        var manifest = await BackUpSeededSourceAsync(migrate: true);
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "restored-blobs"));

        var damaged = Path.Combine(_root, "damaged.tar.gz");
        var bytes = await File.ReadAllBytesAsync(Archive);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);
        await Assert.ThrowsAsync<BackupRefusedException>(() => RestoreAsync(damaged, blobs));
        Assert.Equal(0, await ObjectCountAsync());

        var moreJobs = new SortedDictionary<string, long>(manifest.RowCounts.ToDictionary(), StringComparer.Ordinal) { ["jobs"] = 6 };
        var disagreeing = await RewriteAsync(manifest with { RowCounts = moreJobs });
        var refused = await Assert.ThrowsAsync<BackupRefusedException>(() => RestoreAsync(disagreeing, blobs));
        Assert.Contains("table 'jobs' has 5 rows after the restore; the manifest says 6", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The target database was emptied again.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ObjectCountAsync());

        var embedded = Directory.CreateTempSubdirectory("baton-pg-restore-test-").FullName;
        try
        {
            var wrongKind = await Assert.ThrowsAsync<BackupRefusedException>(() => EmbeddedBackup.RestoreAsync(Archive, Path.Combine(embedded, "data"), null, default));
            Assert.Contains("restore it with --postgres CONN", wrongKind.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(embedded, recursive: true);
        }
    }

    /// <summary>
    /// Seeds the source and backs it up; without <paramref name="migrate"/> the source stops one migration short of
    /// this Baton's schema, as a database backed up by the previous release would.
    /// </summary>
    private async Task<BackupManifest> BackUpSeededSourceAsync(bool migrate)
    {
        if (!migrate) await ApplyMigrationsExceptTheLastAsync(_source.OwnerConnectionString);
        await using var store = new PostgresBatonStore(new PostgresStoreOptions { ConnectionString = _source.OwnerConnectionString }, TimeProvider.System, RetryPolicy.Default);
        if (migrate) await store.MigrateAsync(default);
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "source-blobs"));
        await PostgresBackupSeed.SeedAsync(store, blobs);
        return await PostgresBackup.CreateAsync(_source.OwnerConnectionString, blobs, Archive, TimeProvider.System, default);
    }

    private static async Task ApplyMigrationsExceptTheLastAsync(string connectionString)
    {
        var scripts = MigrationScripts();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var table = new NpgsqlCommand("CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL);", connection, transaction))
        {
            await table.ExecuteNonQueryAsync();
        }
        foreach (var (version, script) in scripts.Take(scripts.Count - 1))
        {
            await using var apply = new NpgsqlCommand(script, connection, transaction);
            await apply.ExecuteNonQueryAsync();
            await using var record = new NpgsqlCommand($"INSERT INTO schema_migrations VALUES ({version}, now());", connection, transaction);
            await record.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    /// <summary>The store's PostgreSQL migrations (embedded <c>NNN_name.sql</c>), in order.</summary>
    private static List<(int Version, string Script)> MigrationScripts()
    {
        const string Prefix = "Baton.Storage.Postgres.Migrations.";
        var assembly = typeof(PostgresBatonStore).Assembly;
        var scripts = new List<(int Version, string Script)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            scripts.Add((int.Parse(name.AsSpan(Prefix.Length, 3), CultureInfo.InvariantCulture), reader.ReadToEnd()));
        }
        return [.. scripts.OrderBy(s => s.Version)];
    }

    private async Task<BackupCheck> RestoreAsync(string archive, IBlobStore blobs, bool force = false)
    {
        var folder = Directory.CreateTempSubdirectory("baton-pg-restore-test-").FullName;
        try
        {
            return await PostgresRestore.RestoreAsync(archive, folder, _target.OwnerConnectionString, blobs, force, TimeProvider.System, _progress.Add, default);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
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

    private Task<long> JobCountAsync() => ScalarAsync<long>("SELECT count(*) FROM jobs;");

    private Task<long> ObjectCountAsync() =>
        ScalarAsync<long>("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public';");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_target.OwnerConnectionString);
        await connection.OpenAsync();
        // Every tenant's rows: the tables force Row-Level Security on their owner too.
        await using (var system = new NpgsqlCommand("SET baton.system = 'on';", connection))
        {
            await system.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
