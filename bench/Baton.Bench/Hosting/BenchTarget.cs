using System.Globalization;
using Baton.Server.Hosting;

namespace Baton.Bench.Hosting;

/// <summary>
/// The server under test: a <c>baton server</c> child process (default) or an in-process
/// <see cref="BatonServer"/>, each on a free loopback port with its own temporary data (deleted on
/// dispose, with the PostgreSQL database); or a remote server given by URL and a system-admin key.
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private const string BootstrapKey = "bk_bench_system_admin_key_0123456789abcdef";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly BatonServer? _inProcess;
    private readonly ServerProcess? _child;
    private readonly BenchPostgres? _postgres;
    private readonly string? _dataDirectory;

    private BenchTarget(
        Uri baseAddress, string adminKey, string backend, BatonServer? inProcess, ServerProcess? child, BenchPostgres? postgres, string? dataDirectory)
    {
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Backend = backend;
        _inProcess = inProcess;
        _child = child;
        _postgres = postgres;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public string Backend { get; }

    /// <summary>The server's temporary data folder (deleted on dispose), or null when remote.</summary>
    public string? DataDirectory => _dataDirectory;

    public ServerPlacement Placement => _child is not null ? ServerPlacement.ChildProcess
        : _inProcess is not null ? ServerPlacement.InProcess
        : ServerPlacement.Remote;

    /// <summary>True when the server runs in this process, so process CPU and memory figures include it (and the simulators).</summary>
    public bool InProcess => Placement == ServerPlacement.InProcess;

    /// <summary>True when the server is elsewhere: its clock and its resources are not this machine's.</summary>
    public bool IsRemote => Placement == ServerPlacement.Remote;

    /// <summary>The process the server runs in (this one when in process), or null when remote.</summary>
    public int? ServerProcessId => _child?.ProcessId ?? (_inProcess is not null ? Environment.ProcessId : null);

    public static BenchTarget Remote(Uri baseAddress, string adminKey, string? backend) =>
        new(baseAddress, adminKey, backend ?? "remote", null, null, null, null);

    /// <param name="postgresAdmin">Owner connection string for <c>postgres</c> (creates and later drops a database).</param>
    /// <param name="childCommand">The <c>baton</c> CLI to start the server with, or null for an in-process server.</param>
    /// <param name="metrics">False starts the server with its instrumentation off (<c>Metrics:Enabled=false</c>), to measure what it costs.</param>
    public static async Task<BenchTarget> StartAsync(string backend, string? postgresAdmin, ServerCommandLine? childCommand, CancellationToken cancellationToken, bool metrics = true)
    {
        if (backend is not ("sqlite" or "postgres")) throw new ArgumentException("--backend must be sqlite or postgres.");
        var dataDirectory = Path.Combine(Path.GetTempPath(), "baton-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        BenchPostgres? postgres = null;
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
            return childCommand is null
                ? await StartInProcessAsync(backend, postgres, dataDirectory, metrics, cancellationToken)
                : await StartChildAsync(childCommand, backend, postgres, dataDirectory, metrics, cancellationToken);
        }
        catch
        {
            if (postgres is not null) await postgres.DisposeAsync();
            DeleteQuietly(dataDirectory);
            throw;
        }
    }

    private static async Task<BenchTarget> StartInProcessAsync(string backend, BenchPostgres? postgres, string dataDirectory, bool metrics, CancellationToken cancellationToken)
    {
        var server = BatonServer.Create(["--Logging:LogLevel:Default=Warning"], "http://127.0.0.1:0", o =>
        {
            o.Metrics.Enabled = metrics;
            o.DataDirectory = dataDirectory;
            o.BootstrapApiKey = BootstrapKey;
            o.Storage = backend;
            // The bench drives one key and one address far past the per-key and per-address write limits on purpose.
            o.RateLimits.Enabled = false;
            if (postgres is not null)
            {
                o.Postgres = postgres.AppConnectionString;
                o.PostgresMigration = postgres.OwnerConnectionString;
            }
        });
        try
        {
            await server.StartAsync(cancellationToken);
            return new BenchTarget(new Uri(server.Urls[0]), BootstrapKey, backend, server, null, postgres, dataDirectory);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task<BenchTarget> StartChildAsync(
        ServerCommandLine command, string backend, BenchPostgres? postgres, string dataDirectory, bool metrics, CancellationToken cancellationToken)
    {
        // Secrets go by environment (read by the server's configuration), not on the command line where `ps` shows them.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["BATON_BOOTSTRAP_API_KEY"] = BootstrapKey,
            // The bench drives one key and one address far past the per-key and per-address write limits on purpose.
            ["Baton__Server__RateLimits__Enabled"] = "false",
        };
        if (!metrics) environment["Baton__Server__Metrics__Enabled"] = "false";
        if (postgres is not null)
        {
            environment["Baton__Server__Postgres"] = postgres.AppConnectionString;
            environment["Baton__Server__PostgresMigration"] = postgres.OwnerConnectionString;
        }
        var child = await ServerProcess.StartAsync(command, ["--data", dataDirectory, "--storage", backend], environment, ReadyTimeout, cancellationToken);
        return new BenchTarget(child.BaseAddress, BootstrapKey, backend, null, child, postgres, dataDirectory);
    }

    /// <summary>
    /// Transactions committed in the server's PostgreSQL database so far (<c>pg_stat_database.xact_commit</c>), or null on
    /// another backend. PostgreSQL publishes a backend's counts within a second or so: read after the work has settled.
    /// </summary>
    public async Task<long?> ReadCommittedTransactionsAsync(CancellationToken cancellationToken)
    {
        if (_postgres is null) return null;
        await using var connection = new Npgsql.NpgsqlConnection(_postgres.OwnerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database();", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Bytes the server's database takes on disk now, or null when remote. SQLite: <c>baton.db</c> after a WAL checkpoint,
    /// plus whatever WAL a busy reader kept from being folded in; PostgreSQL: <c>pg_database_size</c> (tables, indexes,
    /// TOAST and the catalogs, so measure a difference).
    /// </summary>
    public async Task<long?> MeasureDatabaseBytesAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            await using var connection = new Npgsql.NpgsqlConnection(_postgres.OwnerConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_database_size(current_database());", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        if (_dataDirectory is null) return null;
        var database = Path.Combine(_dataDirectory, "baton.db");
        await using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
        {
            await sqlite.OpenAsync(cancellationToken);
            await using var checkpoint = sqlite.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync(cancellationToken);
        }
        var wal = new FileInfo(database + "-wal");
        return new FileInfo(database).Length + (wal.Exists ? wal.Length : 0);
    }

    /// <summary>CPU time the server's process has used so far (with <see cref="InProcess"/> it includes the simulators), or null when remote.</summary>
    public TimeSpan? ReadServerCpuTime()
    {
        if (ServerProcessId is not { } pid) return null;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU time used so far by the PostgreSQL backends serving the bench's database, when they run on this machine (read
    /// from <c>/proc</c>: the backends whose process title names the database), or null on another backend or when none is
    /// found. PostgreSQL's shared processes (WAL writer, checkpointer) are not counted, nor a backend that has exited.
    /// </summary>
    public TimeSpan? ReadDatabaseCpuTime()
    {
        if (_postgres is null || !OperatingSystem.IsLinux()) return null;
        var database = " " + _postgres.Database + " ";
        TimeSpan? total = null;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var title = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                if (!title.StartsWith("postgres: ", StringComparison.Ordinal) || !title.Contains(database, StringComparison.Ordinal)) continue;
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                total = (total ?? TimeSpan.Zero) + process.TotalProcessorTime;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // The process ended while it was read.
            }
        }
        return total;
    }

    /// <summary>Null while the server is fine; otherwise why it is gone (exit code and last output of a child that crashed).</summary>
    public string? DescribeServerFailure() =>
        _child is { ExitedUnexpectedly: true } ? string.Create(CultureInfo.InvariantCulture, $"The benchmark server (pid {_child.ProcessId}) {_child.Describe()}") : null;

    public async ValueTask DisposeAsync()
    {
        if (_child is not null) await _child.DisposeAsync();
        if (_inProcess is not null)
        {
            await _inProcess.StopAsync(CancellationToken.None);
            await _inProcess.DisposeAsync();
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
