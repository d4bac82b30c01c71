using Baton.Core.Jobs;
using Baton.Storage.Postgres;
using Baton.Storage.Tests.Contract;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>
/// A fresh database per backend (<c>baton_test_&lt;guid&gt;</c>) on the test server: migrations
/// run as the owner, the store runs as the app login role (so Row-Level Security applies), and
/// the database is dropped afterwards.
/// </summary>
public sealed class PostgresTestBackend : ITestStoreBackend
{
    public PostgresTestBackend()
    {
        DatabaseName = "baton_test_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(PostgresTestServer.OwnerConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {DatabaseName};";
        command.ExecuteNonQuery();
    }

    public string DatabaseName { get; }
    public string OwnerConnectionString => PostgresTestServer.ForDatabase(DatabaseName);
    public string AppConnectionString => PostgresTestServer.AppForDatabase(DatabaseName);

    public IBatonStore CreateStore(TimeProvider time, RetryPolicy retryPolicy) =>
        new PostgresBatonStore(
            new PostgresStoreOptions { ConnectionString = AppConnectionString, MigrationConnectionString = OwnerConnectionString },
            time,
            retryPolicy);

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE);";
        await command.ExecuteNonQueryAsync();
    }
}
