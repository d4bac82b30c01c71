using Baton.Server.Hosting;

namespace Baton.Bench.Hosting;

/// <summary>
/// The server under test: an in-process <see cref="BatonServer"/> on a random loopback port with its
/// own temporary data (deleted on dispose), or a remote server given by URL and a system-admin key.
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private const string BootstrapKey = "bk_bench_system_admin_key_0123456789abcdef";
    private readonly BatonServer? _server;
    private readonly BenchPostgres? _postgres;
    private readonly string? _dataDirectory;

    private BenchTarget(Uri baseAddress, string adminKey, string backend, BatonServer? server, BenchPostgres? postgres, string? dataDirectory)
    {
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Backend = backend;
        _server = server;
        _postgres = postgres;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public string Backend { get; }

    /// <summary>True when the server runs in this process, so process CPU and memory figures include it (and the simulators).</summary>
    public bool InProcess => _server is not null;

    public static BenchTarget Remote(Uri baseAddress, string adminKey, string? backend) =>
        new(baseAddress, adminKey, backend ?? "remote", null, null, null);

    /// <param name="postgresAdmin">Owner connection string for <c>postgres</c> (creates and later drops a database).</param>
    public static async Task<BenchTarget> StartAsync(string backend, string? postgresAdmin, CancellationToken cancellationToken)
    {
        if (backend is not ("sqlite" or "postgres")) throw new ArgumentException("--backend must be sqlite or postgres.");
        var dataDirectory = Path.Combine(Path.GetTempPath(), "baton-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        BenchPostgres? postgres = null;
        BatonServer? server = null;
        try
        {
            if (backend == "postgres")
            {
                if (string.IsNullOrWhiteSpace(postgresAdmin))
                {
                    throw new ArgumentException(
                        "--backend postgres needs --postgres-admin CONN or BATON_TEST_POSTGRES (eval \"$(scripts/test-postgres.sh start)\").");
                }
                postgres = await BenchPostgres.CreateAsync(postgresAdmin, cancellationToken);
            }
            server = BatonServer.Create(["--Logging:LogLevel:Default=Warning"], "http://127.0.0.1:0", o =>
            {
                o.DataDirectory = dataDirectory;
                o.BootstrapApiKey = BootstrapKey;
                o.Storage = backend;
                if (postgres is not null)
                {
                    o.Postgres = postgres.AppConnectionString;
                    o.PostgresMigration = postgres.OwnerConnectionString;
                }
            });
            await server.StartAsync(cancellationToken);
            return new BenchTarget(new Uri(server.Urls[0]), BootstrapKey, backend, server, postgres, dataDirectory);
        }
        catch
        {
            if (server is not null) await server.DisposeAsync();
            if (postgres is not null) await postgres.DisposeAsync();
            DeleteQuietly(dataDirectory);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync(CancellationToken.None);
            await _server.DisposeAsync();
        }
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_dataDirectory is not null) DeleteQuietly(_dataDirectory);
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
