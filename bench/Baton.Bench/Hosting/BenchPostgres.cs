using Npgsql;

namespace Baton.Bench.Hosting;

/// <summary>
/// A throwaway database <c>baton_bench_&lt;id&gt;</c> on the server an owner connection string points at:
/// migrated as the owner, used at run time as <c>baton_app_login</c> (as <c>scripts/test-postgres.sh</c> sets up), dropped afterwards.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    private const string AppLogin = "baton_app_login";
    private const string AppPassword = "baton_app";
    private readonly string _admin;

    private BenchPostgres(string admin, string database)
    {
        _admin = admin;
        Database = database;
        OwnerConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        // The admin connection string's settings carry over (a pool size, Options), so they can be compared.
        AppConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, Username = AppLogin, Password = AppPassword }.ConnectionString;
    }

    public string Database { get; }

    public string OwnerConnectionString { get; }

    public string AppConnectionString { get; }

    public static async Task<BenchPostgres> CreateAsync(string adminConnectionString, CancellationToken cancellationToken)
    {
        var database = "baton_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {database};", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new BenchPostgres(adminConnectionString, database);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE);", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover benchmark database is harmless and named for what it is.
        }
    }
}
