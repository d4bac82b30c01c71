using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Postgres;
using Baton.Storage.Tests.Contract;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>What only the PostgreSQL backend promises: capabilities, schema, migration lock, indexes, wake-ups.</summary>
public sealed class PostgresBatonStoreTests : StoreContractTests
{
    private PostgresTestBackend Postgres => (PostgresTestBackend)Backend;

    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();

    [Fact]
    public void Reports_a_multi_replica_backend_with_pushed_wakeups()
    {
        Assert.Equal(new StoreCapabilities("postgres", SupportsMultipleReplicas: true, PushesCrossReplicaWakeups: true), Store.Capabilities);
    }

    [Fact]
    public void Migration_scripts_are_numbered_from_one_without_gaps()
    {
        var versions = PostgresMigrator.LoadScripts().Select(s => s.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }

    [Fact]
    public void A_store_without_a_connection_string_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PostgresBatonStore(new PostgresStoreOptions(), TimeProvider.System, RetryPolicy.Default));
    }

    [Fact]
    public async Task A_store_opens_at_most_ten_connections_unless_its_connection_string_names_a_pool_size()
    {
        await CreateTenantAsync("acme");
        await using var sized = new PostgresBatonStore(
            new PostgresStoreOptions { ConnectionString = Postgres.AppConnectionString + ";Maximum Pool Size=7" }, Time, Retry);
        await sized.Tenants.ListAsync(Ct);

        Assert.Equal(10, Store.Statistics.ReadConnections().Max);
        Assert.Equal(7, sized.Statistics.ReadConnections().Max);
    }

    [Fact]
    public async Task Replicas_migrating_together_apply_each_migration_once()
    {
        await using var backend = new PostgresTestBackend();
        var stores = Enumerable.Range(0, 4).Select(_ => backend.CreateStore(new FakeTimeProvider(Start), Retry)).ToList();
        try
        {
            var results = await Task.WhenAll(stores.Select(store => Task.Run(() => store.MigrateAsync(Ct))));

            var applied = results.SelectMany(versions => versions).ToList();
            Assert.Equal(PostgresMigrator.LoadScripts().Select(s => s.Version), applied.Order());
            Assert.Single(results, versions => versions.Count > 0);
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_schema_is_recorded_and_owned_by_the_migration_role()
    {
        await using var connection = new NpgsqlConnection(Postgres.OwnerConnectionString);
        await connection.OpenAsync();

        Assert.Equal(1, await ScalarAsync<int>(connection, "SELECT MIN(version) FROM schema_migrations;"));
        var owner = new NpgsqlConnectionStringBuilder(Postgres.OwnerConnectionString).Username;
        Assert.Equal(owner, await ScalarAsync<string>(connection, "SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = to_regclass('jobs');"));
        // The claim scan reads a partial index of pending rows only.
        var readyIndex = await ScalarAsync<string>(connection, "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ix_jobs_ready';");
        Assert.Contains("WHERE (state = 'pending'::text)", readyIndex, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_statement_waiting_longer_than_the_statement_timeout_is_cancelled_by_the_server()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAsync(tenant);
        await using var impatient = new PostgresBatonStore(
            new PostgresStoreOptions { ConnectionString = Postgres.AppConnectionString, StatementTimeout = TimeSpan.FromMilliseconds(300) },
            Time, Retry);

        // Another session holds the job row, so the store's FOR UPDATE waits until the server gives up.
        await using var blocker = new NpgsqlConnection(Postgres.AppConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            $"SELECT set_config('baton.tenant_id', '{tenant}', true); SELECT 1 FROM jobs WHERE id = '{job.Id}' FOR UPDATE;", blocker, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => impatient.Jobs.RequestCancelAsync(tenant, job.Id, Ct));
        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
    }

    [Fact]
    public async Task Retention_drops_whole_monthly_partitions_of_events_logs_and_the_audit_log()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAsync(tenant); // March: lands in the default partition, none exists for March yet

        var created = await Store.Retention.PrepareAsync(Start, Ct);

        Assert.Equal(
            ["audit_log_p202503", "audit_log_p202504", "audit_log_p202505", "events_p202503", "events_p202504", "events_p202505",
             "job_events_p202503", "job_events_p202504", "job_events_p202505", "job_logs_p202503", "job_logs_p202504", "job_logs_p202505"],
            created.Order(StringComparer.Ordinal));
        Assert.Empty(await Store.Retention.PrepareAsync(Start, Ct));
        await using var owner = new NpgsqlConnection(Postgres.OwnerConnectionString);
        await owner.OpenAsync();
        Assert.Equal(1L, await ScalarAsync<long>(owner, "SELECT COUNT(*) FROM job_events_p202503;"));
        Assert.Equal(0L, await ScalarAsync<long>(owner, "SELECT COUNT(*) FROM job_events_default;"));

        Time.Advance(TimeSpan.FromDays(31)); // April
        var claimed = Assert.Single(await ClaimAsync(tenant, "agent-1"));
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", claimed.Attempt, [new NewLogLine(1, Time.GetUtcNow(), "stdout", "april")], Ct);

        var april = new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var report = await Store.Retention.PruneAsync(new RetentionCutoffs(april, april, april, april), Ct);

        Assert.Equal(["audit_log_p202503", "events_p202503", "job_events_p202503", "job_logs_p202503"], report.PartitionsDropped);
        Assert.Equal([JobEventTypes.Assigned], await EventTypesAsync(job));
        Assert.Equal("april", Assert.Single(await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 100, Ct)).Text);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
