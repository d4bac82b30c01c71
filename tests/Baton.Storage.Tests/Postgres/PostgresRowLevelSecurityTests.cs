using Baton.Core.Auth;
using Baton.Core.Packages;
using Baton.Storage.Model;
using Baton.Storage.Tests.Contract;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>
/// Tenant isolation enforced by the database itself: the runtime role sees nothing without a
/// tenant, nothing of another tenant, cannot write another tenant's rows, cannot switch RLS off,
/// and a pooled connection never carries a tenant setting into the next transaction.
/// </summary>
public sealed class PostgresRowLevelSecurityTests : StoreContractTests
{
    private const string Acme = "t-acme";
    private const string Globex = "t-globex";

    /// <summary>Every table that holds tenant rows, with the column naming the tenant.</summary>
    public static TheoryData<string, string> TenantTables => new()
    {
        { "tenants", "id" },
        { "api_keys", "tenant_id" },
        { "enrollment_tokens", "tenant_id" },
        { "agents", "tenant_id" },
        { "package_versions", "tenant_id" },
        { "jobs", "tenant_id" },
        { "job_events", "tenant_id" },
        { "job_logs", "tenant_id" },
        { "api_usage", "tenant_id" },
        { "queues", "tenant_id" },
        { "event_sequences", "tenant_id" },
        { "events", "tenant_id" },
        { "event_outbox", "tenant_id" },
        { "webhooks", "tenant_id" },
        { "webhook_deliveries", "tenant_id" },
        { "schedules", "tenant_id" },
        { "calendars", "tenant_id" },
        { "agent_counts", "tenant_id" },
        { "audit_log", "tenant_id" },
        { "tenant_data_keys", "tenant_id" },
        { "job_artifacts", "tenant_id" },
        { "work_items", "tenant_id" },
        { "work_item_events", "tenant_id" },
        { "job_lineage", "tenant_id" },
        { "revoked_sessions", "tenant_id" },
        { "work_item_triggers", "tenant_id" },
        { "work_item_trigger_slots", "tenant_id" },
    };

    private PostgresTestBackend Postgres => (PostgresTestBackend)Backend;

    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();

    [Theory]
    [MemberData(nameof(TenantTables))]
    public async Task Without_a_tenant_the_app_role_sees_no_rows(string table, string tenantColumn)
    {
        await SeedTenantAsync("acme");
        await using var connection = await OpenAppConnectionAsync();

        Assert.True(await CountAsSystemAsync(connection, table, tenantColumn, Acme) > 0, $"the seed should have put rows in {table}");
        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table};"));
    }

    [Theory]
    [MemberData(nameof(TenantTables))]
    public async Task With_another_tenant_set_the_app_role_sees_none_of_the_first(string table, string tenantColumn)
    {
        await SeedTenantAsync("acme");
        await SeedTenantAsync("globex");
        await using var connection = await OpenAppConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, $"SELECT set_config('baton.tenant_id', '{Globex}', true);");

        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE {tenantColumn} = '{Acme}';"));
        Assert.True(await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE {tenantColumn} = '{Globex}';") > 0);
        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE {tenantColumn} <> '{Globex}';"));
    }

    [Fact]
    public async Task With_a_tenant_set_the_app_role_cannot_write_another_tenants_rows()
    {
        await SeedTenantAsync("acme");
        await SeedTenantAsync("globex");
        await using var connection = await OpenAppConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, $"SELECT set_config('baton.tenant_id', '{Globex}', true);");

        // Updates and deletes of invisible rows touch nothing; inserts of foreign rows are refused.
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE jobs SET priority = 99 WHERE tenant_id = '{Acme}';"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM api_keys WHERE tenant_id = '{Acme}';"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(connection, $"INSERT INTO api_usage (tenant_id, day, calls) VALUES ('{Acme}', '2025-03-03', 1);"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task A_pooled_connection_does_not_carry_a_tenant_into_the_next_transaction()
    {
        await SeedTenantAsync("acme");
        // One physical connection, never reset on return (as behind PgBouncer in transaction mode).
        var pooled = new NpgsqlConnectionStringBuilder(Postgres.AppConnectionString) { MaxPoolSize = 1, NoResetOnClose = true }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(pooled);

        int firstBackend;
        await using (var first = await dataSource.OpenConnectionAsync())
        {
            firstBackend = await ScalarAsync<int>(first, "SELECT pg_backend_pid();");
            await using var transaction = await first.BeginTransactionAsync();
            await ExecuteAsync(first, $"SELECT set_config('baton.tenant_id', '{Acme}', true);");
            Assert.True(await ScalarAsync<long>(first, "SELECT COUNT(*) FROM jobs;") > 0);
            await transaction.CommitAsync();
        }

        await using var second = await dataSource.OpenConnectionAsync();
        Assert.Equal(firstBackend, await ScalarAsync<int>(second, "SELECT pg_backend_pid();"));
        Assert.Equal("", await ScalarAsync<string>(second, "SELECT COALESCE(current_setting('baton.tenant_id', true), '');"));
        Assert.Equal(0L, await ScalarAsync<long>(second, "SELECT COUNT(*) FROM jobs;"));
        Assert.Equal(0L, await ScalarAsync<long>(second, "SELECT COUNT(*) FROM job_logs;"));
    }

    [Fact]
    public async Task The_store_itself_leaves_no_tenant_on_its_pooled_connections()
    {
        var acme = await SeedTenantAsync("acme");
        Assert.NotNull(await Store.Jobs.GetAsync(acme, "j-acme", Ct));

        // Same database, same role: a raw connection with nothing set sees nothing, whatever the store did before.
        await using var connection = await OpenAppConnectionAsync();
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM jobs;"));
    }

    [Fact]
    public async Task The_app_role_owns_nothing_bypasses_nothing_and_cannot_turn_row_security_off()
    {
        await SeedTenantAsync("acme");
        await using var connection = await OpenAppConnectionAsync();

        Assert.False(await ScalarAsync<bool>(connection,
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user;"));
        Assert.False(await ScalarAsync<bool>(connection,
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'baton_app';"));
        foreach (var table in TenantTables.Select(row => (string)row[0]))
        {
            var (enabled, forced, ownedByUs) = await QueryTableSecurityAsync(connection, table);
            Assert.True(enabled, $"{table}: row level security is not enabled");
            Assert.True(forced, $"{table}: row level security is not forced");
            Assert.False(ownedByUs, $"{table}: the app role must not own it");
        }

        // With row_security off, a query that RLS would filter fails instead of bypassing it.
        await ExecuteAsync(connection, "SET row_security = off;");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<long>(connection, "SELECT COUNT(*) FROM jobs;"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_app_role_can_append_to_the_audit_log_but_never_change_or_delete_an_entry()
    {
        await SeedTenantAsync("acme");
        await using var connection = await OpenAppConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "SELECT set_config('baton.system', 'on', true);");
        Assert.Equal(1L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM audit_log WHERE tenant_id = '{Acme}';"));

        foreach (var statement in new[] { "UPDATE audit_log SET action = 'forged';", "DELETE FROM audit_log;", "TRUNCATE audit_log;" })
        {
            await ExecuteAsync(connection, "SAVEPOINT attempt;");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, statement));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT attempt;");
        }
        Assert.Equal(1L, await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM audit_log WHERE tenant_id = '{Acme}' AND action = 'tenant.created';"));
    }

    [Fact]
    public async Task The_app_role_cannot_delete_a_data_key()
    {
        await SeedTenantAsync("acme");
        await using var connection = await OpenAppConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "SELECT set_config('baton.system', 'on', true);");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DELETE FROM tenant_data_keys;"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    /// <summary>Rows of one tenant in every tenant table, written through the store.</summary>
    private async Task<string> SeedTenantAsync(string name)
    {
        var tenant = await CreateTenantAsync(name);
        await Store.ApiKeys.CreateAsync(new ApiKeyRecord("k-" + name, tenant, "ci", ApiRole.Operator, false, "hash", Start, null, null), Ct);
        await Store.EnrollmentTokens.CreateAsync(new EnrollmentTokenRecord("e-" + name, tenant, "lab", "hash", Start, null, null), Ct);
        var agent = await RegisterAgentAsync(tenant, "agent-" + name);
        await Store.Packages.AddVersionAsync(new PackageVersionRecord(tenant, "hello", "1.0.0", new string('a', 64), 10,
            new PackageManifest { Name = "hello", Version = "1.0.0", Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" } },
            Start), long.MaxValue, Ct);
        await SubmitAsync(tenant, id: "j-" + name);
        var job = Assert.Single(await ClaimAsync(tenant, agent));
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, agent, job.Attempt, [new NewLogLine(1, Start, "stdout", "hello from " + name)], Ct);
        await Store.Artifacts.AddAsync(new NewArtifact(tenant, job.Id, agent, job.Attempt, "report.csv", new string('b', 64), 5, Start, long.MaxValue, long.MaxValue), Ct);
        await Store.Tenants.AddApiUsageAsync([new ApiUsageIncrement(tenant, "2025-03-03", 3)], Ct);
        await Store.Webhooks.CreateAsync(new WebhookRecord(tenant, "wh-" + name, "https://example.com", "secret", ["*"], true, null, Start, Start, 0), Ct);
        await Store.Events.AppendAsync(new NewTenantEvent(tenant, TenantEventTypes.QuotaReached, "agents",
            System.Text.Json.JsonSerializer.SerializeToElement(new { quota = "agents" })), null, Ct);
        await Store.Webhooks.FanOutAsync(100, 100, Ct);
        // A job ending after the fan-out: its event stays queued in event_outbox until a reader sequences it.
        await SubmitAsync(tenant, id: "j2-" + name);
        await CompleteAsync(Assert.Single(await ClaimAsync(tenant, agent)), Baton.Core.Jobs.JobOutcome.Succeeded);
        await Store.Schedules.CreateAsync(ScheduleSamples.NewSchedule(tenant, "nightly", Start, id: "sch-" + name), 10, Ct);
        await Store.Calendars.SaveAsync(new CalendarRecord(tenant, "de", [DayOfWeek.Monday], [], null, Start, Start), replace: false, null, Ct);
        await Store.Audit.AppendAsync(new NewAuditEntry(tenant, Start, AuditActor.System, "tenant.created", "tenant", tenant, null,
            System.Text.Json.JsonSerializer.SerializeToElement(new { name })), Ct);
        await Store.DataKeys.AddAsync(new DataKeyRecord(tenant, 1, "mk_test", "wrapped", Start), Ct);
        await Store.WorkItems.AddAsync(tenant, [new NewWorkItem("wi-" + name, tenant, "invoices", "INV-1", 0,
            System.Text.Json.JsonSerializer.SerializeToElement(new { name }), null, 3)], Ct);
        await Store.WorkItems.ClaimAsync(tenant, "invoices", new WorkItemHolder("j-" + name, 1), TimeSpan.FromMinutes(1), Ct);
        await Store.Lineage.RecordAsync(tenant, "j2-" + name, "j-" + name, 1, Ct);
        await Store.ApiKeys.RevokeSessionAsync(tenant, "s-" + name, Start + TimeSpan.FromDays(3650), Start, Ct);
        var (trigger, _) = await Store.WorkItemTriggers.SaveAsync(new WorkItemTriggerRecord
        {
            TenantId = tenant,
            Queue = "invoices",
            Id = "wit-" + name,
            PackageName = "hello",
            MaxJobs = 1,
            MinItems = 1,
            CreatedAt = Start,
            UpdatedAt = Start,
        }, Ct);
        await Store.WorkItemTriggers.AdvanceSlotAsync(new WorkItemTriggerStart(tenant, "invoices", trigger.Id, 0, 0, "j2-" + name), Ct);
        return tenant;
    }

    private async Task<NpgsqlConnection> OpenAppConnectionAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Postgres.AppConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<long> CountAsSystemAsync(NpgsqlConnection connection, string table, string tenantColumn, string tenantId)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "SELECT set_config('baton.system', 'on', true);");
        var count = await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table} WHERE {tenantColumn} = '{tenantId}';");
        await transaction.CommitAsync();
        return count;
    }

    private static async Task<(bool Enabled, bool Forced, bool OwnedByUs)> QueryTableSecurityAsync(NpgsqlConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT relrowsecurity, relforcerowsecurity, pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class WHERE oid = to_regclass(@table);";
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"table {table} is missing");
        return (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
