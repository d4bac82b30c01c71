using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.SharedPool;

// The shared-pool integration tests against each metadata backend.

public sealed class SqliteSharedPoolTests : SharedPoolTests
{
    protected override Task<ServerHarness> StartServerAsync(ServerHarness harness) => harness.StartAsync();
}

public sealed class PostgresSharedPoolTests : SharedPoolTests
{
    private TestPostgres? _postgres;

    protected override async Task<ServerHarness> StartServerAsync(ServerHarness harness)
    {
        _postgres = await TestPostgres.CreateAsync();
        return await harness.StartAsync(o =>
        {
            o.Storage = "postgres";
            o.Postgres = _postgres.AppConnectionString;
            o.PostgresMigration = _postgres.OwnerConnectionString;
        });
    }

    protected override async Task StopBackendAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
