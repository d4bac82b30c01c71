using Baton.Core.Jobs;
using Baton.Storage.Postgres;
using Baton.Storage.Tests.Contract;
using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>
/// Fresh, private data per backend: its own schema (<c>baton_test_&lt;guid&gt;</c>) in the shared
/// test database, reached through the connection's search path (a schema costs milliseconds where
/// a database costs half a second). Migrations run as the owner, the store runs as the app login
/// role (so Row-Level Security applies), and the schema is dropped afterwards.
/// </summary>
public sealed class PostgresTestBackend : ITestStoreBackend
{
    public PostgresTestBackend()
    {
        SchemaName = "baton_test_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(PostgresTestServer.TestDatabaseOwnerConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE SCHEMA {SchemaName};";
        command.ExecuteNonQuery();
    }

    public string SchemaName { get; }
    public string OwnerConnectionString => PostgresTestServer.OwnerForSchema(SchemaName);
    public string AppConnectionString => PostgresTestServer.AppForSchema(SchemaName);

    public IBatonStore CreateStore(TimeProvider time, RetryPolicy retryPolicy) =>
        new PostgresBatonStore(
            new PostgresStoreOptions { ConnectionString = AppConnectionString, MigrationConnectionString = OwnerConnectionString },
            time,
            retryPolicy);

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.TestDatabaseOwnerConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP SCHEMA IF EXISTS {SchemaName} CASCADE;";
        await command.ExecuteNonQueryAsync();
    }
}
