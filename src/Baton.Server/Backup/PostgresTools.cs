using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Baton.Server.Backup;

/// <summary>
/// PostgreSQL's own client programs (<c>pg_dump</c>, <c>pg_restore</c>), found in <c>PG_BIN</c>, Debian's newest
/// <c>/usr/lib/postgresql/*/bin</c> or the PATH, and run with the connection in libpq's environment variables (so a
/// password is never on a command line that <c>ps</c> shows).
/// </summary>
public sealed class PostgresTools
{
    private readonly string _folder;

    private PostgresTools(string folder) => _folder = folder;

    public static PostgresTools Locate(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var candidates = new List<string>();
        if (environment("PG_BIN") is { Length: > 0 } pgBin) candidates.Add(pgBin);
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            // pg_dump must be at least the server's version: the newest installed is the best bet.
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        candidates.AddRange((environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var found = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_dump")) && File.Exists(Path.Combine(d, "pg_restore")));
        return found is null
            ? throw new BackupRefusedException("pg_dump and pg_restore were not found: install PostgreSQL's client programs (Debian: postgresql-client) or set PG_BIN to their folder.")
            : new PostgresTools(found);
    }

    /// <summary>A custom-format dump of the database as of <paramref name="snapshot"/> (an exported snapshot).</summary>
    public Task DumpAsync(string connectionString, string snapshot, string target, CancellationToken ct) =>
        RunAsync("pg_dump", ["--format=custom", "--no-password", $"--snapshot={snapshot}", "--enable-row-security", $"--file={target}"], connectionString, ct);

    /// <summary>
    /// Restores a dump into an empty database, as the connecting role (who then owns every object), in one
    /// transaction: a failure leaves the database as it was.
    /// </summary>
    /// <param name="privileges">
    /// Also restore the grants (to <c>baton_app</c>, which must exist): a database a server will run on needs them; a
    /// scratch copy that only the owner reads does not.
    /// </param>
    /// <param name="progress">Given each table as its rows start loading, from <c>pg_restore --verbose</c>.</param>
    public Task RestoreAsync(string connectionString, string dump, bool privileges, Action<string>? progress, CancellationToken ct)
    {
        List<string> arguments = ["--no-password", "--no-owner", "--exit-on-error", "--single-transaction", $"--dbname={LibpqEnvironment(connectionString)["PGDATABASE"]}"];
        if (!privileges) arguments.Add("--no-privileges");
        if (progress is not null) arguments.Add("--verbose");
        arguments.Add(dump);
        return RunAsync("pg_restore", arguments, connectionString, ct, progress is null ? null : TablesLoading(progress));
    }

    /// <summary>"pg_restore: processing data for table "public.jobs"": the one step whose length grows with the data.</summary>
    private static Action<string> TablesLoading(Action<string> progress) => line =>
    {
        const string Marker = "processing data for table ";
        var at = line.IndexOf(Marker, StringComparison.Ordinal);
        if (at >= 0) progress($"loading {line[(at + Marker.Length)..].Trim('"')}");
    };

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, string connectionString, CancellationToken ct, Action<string>? onStderrLine = null)
    {
        var start = new ProcessStartInfo(Path.Combine(_folder, program))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in LibpqEnvironment(connectionString)) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new BackupRefusedException($"{program} could not be started.");
        var stderr = ReadLinesAsync(process.StandardError, onStderrLine, ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var lines = await stderr;
        await stdout;
        if (process.ExitCode != 0)
        {
            // With --verbose most lines are progress; the first one that says "error" is the reason.
            var reason = lines.FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal)) ?? lines.FirstOrDefault(l => l.Length > 0) ?? "no message";
            throw new BackupRefusedException($"{program} failed (exit code {process.ExitCode}): {reason.Trim()}");
        }
    }

    private static async Task<List<string>> ReadLinesAsync(StreamReader reader, Action<string>? onLine, CancellationToken ct)
    {
        var lines = new List<string>();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            lines.Add(line);
            onLine?.Invoke(line);
        }
        return lines;
    }

    /// <summary>
    /// libpq's variables for an Npgsql connection string, plus <c>baton.system=on</c> for the session: Baton's tables
    /// force Row-Level Security on their owner too, and that setting is what its policies let see every tenant's rows.
    /// </summary>
    internal static Dictionary<string, string> LibpqEnvironment(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGHOST"] = builder.Host ?? "localhost",
            ["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = builder.Database ?? builder.Username ?? "postgres",
            ["PGOPTIONS"] = "-c baton.system=on",
            ["PGCONNECT_TIMEOUT"] = "30",
        };
        if (builder.Username is { } user) variables["PGUSER"] = user;
        if (builder.Password is { } password) variables["PGPASSWORD"] = password;
        if (builder.SslMode != SslMode.Disable && builder.SslMode != SslMode.Prefer)
            variables["PGSSLMODE"] = builder.SslMode.ToString().ToLowerInvariant().Replace("verifyca", "verify-ca", StringComparison.Ordinal).Replace("verifyfull", "verify-full", StringComparison.Ordinal);
        return variables;
    }
}
