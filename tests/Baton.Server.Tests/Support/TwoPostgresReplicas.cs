namespace Baton.Server.Tests.Support;

/// <summary>
/// Two servers (<see cref="A"/> and <see cref="B"/>, replicas) on one fresh PostgreSQL database, started before each
/// test and stopped after it: what every cross-replica test needs first.
/// </summary>
public abstract class TwoPostgresReplicas : IAsyncLifetime
{
    private TestPostgres? _postgres;

    protected ServerHarness A { get; } = new();

    protected ServerHarness B { get; } = new();

    /// <summary>The database both replicas use.</summary>
    protected TestPostgres Postgres => _postgres ?? throw new InvalidOperationException("The replicas have not started.");

    public async Task InitializeAsync()
    {
        _postgres = await TestPostgres.CreateAsync();
        void Configure(Hosting.ServerOptions o)
        {
            o.Storage = "postgres";
            o.Postgres = _postgres.AppConnectionString;
            o.PostgresMigration = _postgres.OwnerConnectionString;
        }
        await A.StartAsync(Configure);
        await B.StartAsync(Configure);
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
