using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Baton.EndToEnd.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of the test's own, from the binaries <c>scripts/test-postgres.sh</c> installs, so that restarting it
/// (a fault storm does) disturbs no other test on the shared cluster. Same roles as that script's cluster.
/// Missing binaries fail the test, never skip it.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private const string Database = "baton_storm";
    private readonly string _root;
    private readonly int _port;

    private PrivatePostgres(string root, int port)
    {
        _root = root;
        _port = port;
    }

    private string Data => Path.Combine(_root, "data");

    private string Log => Path.Combine(_root, "postgres.log");

    public string OwnerConnectionString => Connection("baton_owner", "baton_owner", Database);

    /// <summary>The runtime role: owns nothing and does not bypass Row-Level Security.</summary>
    public string AppConnectionString => Connection("baton_app_login", "baton_app", Database);

    public static async Task<PrivatePostgres> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "pg_ctl")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed at {BinDir}: run scripts/test-postgres.sh start (./test.sh does).");
        }
        var root = Directory.CreateTempSubdirectory("baton-storm-pg.").FullName;
        if (IsRoot) await RunAsync("chown", "postgres:", root);
        var postgres = new PrivatePostgres(root, Cluster.FreePort());
        await AsClusterUserAsync(Path.Combine(BinDir, "initdb"), "-D", postgres.Data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync");
        await AsClusterUserAsync(Path.Combine(BinDir, "pg_ctl"), "start", "-D", postgres.Data, "-l", postgres.Log, "-w", "-t", "60", "-o",
            $"-p {postgres._port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200");
        await using (var admin = new NpgsqlConnection($"Host={root};Port={postgres._port};Username=postgres;Database=postgres"))
        {
            await admin.OpenAsync();
            await using var roles = new NpgsqlCommand("""
                CREATE ROLE baton_owner LOGIN CREATEDB CREATEROLE PASSWORD 'baton_owner';
                GRANT pg_signal_backend TO baton_owner;
                CREATE ROLE baton_app NOLOGIN;
                CREATE ROLE baton_app_login LOGIN PASSWORD 'baton_app' IN ROLE baton_app;
                """, admin);
            await roles.ExecuteNonQueryAsync();
        }
        await using (var owner = new NpgsqlConnection(postgres.Connection("baton_owner", "baton_owner", "postgres")))
        {
            await owner.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database};", owner);
            await create.ExecuteNonQueryAsync();
        }
        return postgres;
    }

    /// <summary>Stops PostgreSQL the hard way (immediate: no checkpoint, every connection cut, crash recovery on start) and starts it again.</summary>
    public Task RestartAsync() =>
        AsClusterUserAsync(Path.Combine(BinDir, "pg_ctl"), "restart", "-D", Data, "-l", Log, "-m", "immediate", "-w", "-t", "60");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await AsClusterUserAsync(Path.Combine(BinDir, "pg_ctl"), "stop", "-D", Data, "-m", "immediate", "-w");
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Connection(string user, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = _port, Username = user, Password = password, Database = database,
    }.ConnectionString;

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>PostgreSQL refuses to run as root: as root, run its binaries as the postgres user the script creates.</summary>
    private static Task AsClusterUserAsync(string binary, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", binary, .. args]) : RunAsync(binary, args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var printed = await stdout + await stderr;
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{printed}"));
        }
    }
}
