using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Postgres;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>Migration 002 on data written by 001: tenants that already exist get their default queue and their jobs enter it.</summary>
public sealed class PostgresQueueMigrationTests
{
    [Fact]
    public async Task Existing_tenants_get_the_default_queue_and_existing_jobs_enter_it()
    {
        await using var backend = new PostgresTestBackend();
        await using (var connection = new NpgsqlConnection(backend.OwnerConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await ExecuteAsync(connection, PostgresMigrator.LoadScripts()[0].Script);
            await ExecuteAsync(connection,
                """
                CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL);
                INSERT INTO schema_migrations VALUES (1, now());
                SELECT set_config('baton.system', 'on', true);
                INSERT INTO tenants (id, name, tier, overrides, created_at) VALUES ('t-old', 'old', 'standard', '{}', now());
                INSERT INTO jobs (id, tenant_id, package_name, package_version, package_sha256, state, attempt, max_attempts,
                                  priority, timeout_seconds, requirements, inputs, submitted_at)
                VALUES ('j-old', 't-old', 'hello', '1.0.0', 'aa', 'pending', 0, 1, 0, 60, '[]', '{}', now());
                """);
            await transaction.CommitAsync();
        }

        await using var store = backend.CreateStore(new FakeTimeProvider(), new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), () => 1.0));
        // 002 and every later migration apply on top of 001.
        Assert.Equal(2, (await store.MigrateAsync(CancellationToken.None))[0]);

        var queue = Assert.Single(await store.Queues.ListAsync("t-old", CancellationToken.None));
        Assert.Equal((QueueRecord.DefaultName, false, (int?)null), (queue.Name, queue.Paused, queue.MaxConcurrency));
        Assert.Equal(QueueRecord.DefaultName, (await store.Jobs.GetAsync("t-old", "j-old", CancellationToken.None))!.Queue);
        Assert.Equal(["j-old"], (await store.Jobs.ClaimAsync(
            new JobClaimRequest("t-old", "agent-1", 1, 10, TimeSpan.FromSeconds(30), _ => true), CancellationToken.None)).Select(j => j.Id));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
