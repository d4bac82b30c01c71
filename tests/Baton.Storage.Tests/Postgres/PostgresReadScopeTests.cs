using Baton.Storage.Postgres;
using Baton.Storage.Relational;
using Baton.Storage.Tests.Contract;
using Dapper;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>
/// Reads run without an explicit transaction: each command carries <c>CALL baton_scope(…)</c> in front of its
/// statements, and the statements of one command form one implicit transaction. Row-Level Security must be exactly
/// as strict as in a transaction: the scope is in effect for the query, and gone from the connection afterwards.
/// </summary>
public sealed class PostgresReadScopeTests : StoreContractTests
{
    private PostgresTestBackend Postgres => (PostgresTestBackend)Backend;

    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();

    [Fact]
    public async Task A_read_sees_only_its_tenants_rows_in_every_command()
    {
        var (acme, globex) = await SeedTwoTenantsAsync();
        await using var database = new PostgresDatabase(new PostgresStoreOptions { ConnectionString = OnePooledConnection("reads") });
        IStoreDatabase reads = database;

        // No WHERE tenant_id: only Row-Level Security (the scope) filters these counts.
        var (first, second, setting) = await reads.ReadAsync(acme, async session => (
            await session.ScalarAsync<long>("SELECT COUNT(*) FROM jobs;"),
            await session.ScalarAsync<long>("SELECT COUNT(*) FROM jobs;"),
            await session.ScalarAsync<string>("SELECT current_setting('baton.tenant_id');")), Ct);
        Assert.Equal((1L, 1L, acme), (first, second, setting));

        Assert.Equal(0L, await reads.ReadAsync(globex, session => session.ScalarAsync<long>(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = @acme;", new { acme }), Ct));
        Assert.Equal(0L, await reads.ReadListAsync(globex, session => session.ScalarAsync<long>(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = @acme;", new { acme }), Ct));
        Assert.Equal(2L, await reads.SystemReadAsync(session => session.ScalarAsync<long>("SELECT COUNT(*) FROM jobs;"), Ct));
        Assert.Null(await Store.Jobs.GetAsync(globex, "j-acme", Ct));
        Assert.NotNull(await Store.Jobs.GetAsync(acme, "j-acme", Ct));
    }

    [Fact]
    public async Task A_read_sends_no_begin_and_no_commit()
    {
        var (acme, _) = await SeedTwoTenantsAsync();
        var application = "baton-read-" + Guid.NewGuid().ToString("N")[..12];
        await using var database = new PostgresDatabase(new PostgresStoreOptions { ConnectionString = OnePooledConnection(application) });
        IStoreDatabase reads = database;

        Assert.Equal(1L, await reads.ReadAsync(acme, session => session.ScalarAsync<long>("SELECT COUNT(*) AS read_jobs FROM jobs;"), Ct));

        // The backend's last statement is the read itself: a transaction would have ended with COMMIT.
        await using var observer = await OpenAsync(Postgres.AppConnectionString);
        var (state, query, inTransaction) = await observer.QuerySingleAsync<(string, string, bool)>(
            "SELECT state, query, xact_start IS NOT NULL FROM pg_stat_activity WHERE application_name = @application;", new { application });
        Assert.Equal("idle", state);
        Assert.False(inTransaction);
        Assert.Contains("read_jobs", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scope_of_a_read_applies_to_its_query_and_is_gone_from_the_pooled_connection_afterwards()
    {
        var (acme, _) = await SeedTwoTenantsAsync();
        // One physical connection, never reset on return (as the store's pools and PgBouncer in transaction mode).
        await using var source = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(Postgres.AppConnectionString) { MaxPoolSize = 1, NoResetOnClose = true }.ConnectionString);
        var scope = new PgSql.Scope(acme, System: false, TimeoutMs: "1234");

        int backend;
        await using (var read = await source.OpenConnectionAsync())
        {
            backend = await read.ExecuteScalarAsync<int>("SELECT pg_backend_pid();");
            var seen = await read.QuerySingleAsync<(string Tenant, string Timeout, long Jobs)>(PgSql.ScopedCommand(
                "SELECT current_setting('baton.tenant_id'), current_setting('statement_timeout'), (SELECT COUNT(*) FROM jobs);", null, scope, Ct));
            Assert.Equal((acme, "1234ms", 1L), seen);
        }
        await using (var failed = await source.OpenConnectionAsync())
        {
            await Assert.ThrowsAsync<PostgresException>(() => failed.ExecuteScalarAsync<long>(PgSql.ScopedCommand(
                "SELECT COUNT(*) / 0 FROM jobs;", null, scope, Ct)));
        }

        await using var next = await source.OpenConnectionAsync();
        Assert.Equal(backend, await next.ExecuteScalarAsync<int>("SELECT pg_backend_pid();"));
        Assert.Equal("", await next.ExecuteScalarAsync<string>("SELECT COALESCE(current_setting('baton.tenant_id', true), '');"));
        Assert.NotEqual("1234ms", await next.ExecuteScalarAsync<string>("SELECT current_setting('statement_timeout');"));
        Assert.Equal(0L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs;"));
    }

    private async Task<(string Acme, string Globex)> SeedTwoTenantsAsync()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await SubmitAsync(acme, id: "j-acme");
        await SubmitAsync(globex, id: "j-globex");
        return (acme, globex);
    }

    private string OnePooledConnection(string application) =>
        new NpgsqlConnectionStringBuilder(Postgres.AppConnectionString) { MaxPoolSize = 1, ApplicationName = application }.ConnectionString;

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
