using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Storage.Model;
using Baton.Storage.Sqlite;
using Baton.Storage.Tests.Contract;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Storage.Tests.Sqlite;

/// <summary>What only the SQLite backend promises: its capabilities, its file settings, its schema.</summary>
public sealed class SqliteBatonStoreTests : IAsyncLifetime
{
    private ITestStoreBackend _backend = null!;
    private string _databasePath = "";
    private IBatonStore _store = null!;

    public async Task InitializeAsync()
    {
        var backend = new SqliteTestBackend();
        _backend = backend;
        _databasePath = backend.DatabasePath;
        _store = _backend.CreateStore(new FakeTimeProvider(), RetryPolicy.Default);
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public void Reports_a_single_node_backend()
    {
        Assert.Equal(new StoreCapabilities("sqlite", SupportsMultipleReplicas: false, PushesCrossReplicaWakeups: false), _store.Capabilities);
    }

    [Fact]
    public async Task The_database_file_is_in_wal_mode_with_the_schema_recorded()
    {
        Assert.True(File.Exists(_databasePath));
        await using var connection = new SqliteConnection($"Data Source={_databasePath};Pooling=False");
        await connection.OpenAsync();

        Assert.Equal("wal", await ScalarAsync<string>(connection, "PRAGMA journal_mode;"));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT MIN(version) FROM schema_migrations;"));
        var tables = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        Assert.Superset(
            new HashSet<string> { "tenants", "api_keys", "enrollment_tokens", "agents", "package_versions", "jobs", "job_events", "job_logs", "api_usage", "settings", "schema_migrations" },
            tables.ToHashSet());
    }

    [Fact]
    public void Migration_scripts_are_numbered_from_one_without_gaps()
    {
        var versions = SqliteMigrator.LoadScripts().Select(s => s.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }

    [Fact]
    public void A_store_without_a_database_path_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SqliteBatonStore(new SqliteStoreOptions(), TimeProvider.System, RetryPolicy.Default));
    }

    [Fact]
    public async Task The_audit_log_refuses_updates()
    {
        Assert.True(await _store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, DateTimeOffset.UnixEpoch), CancellationToken.None));
        await _store.Audit.AppendAsync(new NewAuditEntry("t-acme", DateTimeOffset.UnixEpoch, AuditActor.System, "tenant.created", "tenant", "t-acme", null,
            System.Text.Json.JsonSerializer.SerializeToElement(new { name = "acme" })), CancellationToken.None);
        await using var connection = new SqliteConnection($"Data Source={_databasePath};Pooling=False");
        await connection.OpenAsync();

        var refused = await Assert.ThrowsAsync<SqliteException>(() => ScalarAsync<long>(connection, "UPDATE audit_log SET action = 'forged' RETURNING id;"));
        Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        Assert.Equal("tenant.created", await ScalarAsync<string>(connection, "SELECT action FROM audit_log;"));
    }

    [Fact]
    public async Task Retention_is_exact_to_the_millisecond()
    {
        var cutoff = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.True(await _store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, DateTimeOffset.UnixEpoch), CancellationToken.None));
        foreach (var (at, target) in new[] { (cutoff.AddMilliseconds(-1), "before"), (cutoff, "at"), (cutoff.AddMilliseconds(1), "after") })
        {
            await _store.Audit.AppendAsync(new NewAuditEntry("t-acme", at, AuditActor.System, "tenant.updated", "tenant", target, null,
                System.Text.Json.JsonSerializer.SerializeToElement(new { target })), CancellationToken.None);
        }

        var report = await _store.Retention.PruneAsync(new RetentionCutoffs(cutoff, cutoff, cutoff, cutoff), CancellationToken.None);

        Assert.Equal(1, report.RowsDeleted["audit_log"]);
        Assert.Equal(["after", "at"], (await _store.Audit.ListAsync(new AuditQuery("t-acme", 10), CancellationToken.None)).Select(e => e.TargetId));
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
