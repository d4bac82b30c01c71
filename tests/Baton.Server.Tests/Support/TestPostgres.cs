using Npgsql;

namespace Baton.Server.Tests.Support;

/// <summary>
/// A fresh database on the PostgreSQL server that <c>scripts/test-postgres.sh</c> started
/// (<c>BATON_TEST_POSTGRES</c>, an owner connection string). Missing: the test fails, never skips.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    private const string AppLogin = "baton_app_login";
    private const string AppPassword = "baton_app";
    private readonly string _admin;

    private TestPostgres(string admin, string database)
    {
        _admin = admin;
        Database = database;
        OwnerConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        AppConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, Username = AppLogin, Password = AppPassword }.ConnectionString;
    }

    public string Database { get; }

    public string OwnerConnectionString { get; }

    /// <summary>The runtime role: owns nothing and does not bypass Row-Level Security.</summary>
    public string AppConnectionString { get; }

    public static async Task<TestPostgres> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("BATON_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException(
                "BATON_TEST_POSTGRES is not set: start a throwaway server with `eval \"$(scripts/test-postgres.sh start)\"` (./test.sh does).");
        }
        var database = "baton_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {database};", connection);
        await command.ExecuteNonQueryAsync();
        return new TestPostgres(admin, database);
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
        }
    }
}
