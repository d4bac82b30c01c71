using Npgsql;

namespace Baton.Storage.Tests.Postgres;

/// <summary>
/// The PostgreSQL server the tests run against: <c>BATON_TEST_POSTGRES</c> is an owner connection
/// string (a role that may create databases), set by <c>scripts/test-postgres.sh start</c>.
/// Without it the PostgreSQL tests fail; they never skip.
/// </summary>
internal static class PostgresTestServer
{
    public const string EnvironmentVariable = "BATON_TEST_POSTGRES";
    /// <summary>The runtime login the script creates (member of baton_app); its password is fixed by the script.</summary>
    public const string AppLoginRole = "baton_app_login";
    public const string AppLoginPassword = "baton_app";

    /// <summary>The database every test schema lives in; created on first use, kept between runs.</summary>
    public const string TestDatabase = "baton_tests";

    private static readonly Lazy<string> Owner = new(LoadOwnerConnectionString);
    private static readonly Lazy<string> TestDatabaseOwner = new(CreateTestDatabase);

    public static string OwnerConnectionString => Owner.Value;

    public static string TestDatabaseOwnerConnectionString => TestDatabaseOwner.Value;

    public static string OwnerForSchema(string schema) =>
        new NpgsqlConnectionStringBuilder(TestDatabaseOwnerConnectionString) { SearchPath = schema }.ConnectionString;

    public static string AppForSchema(string schema) =>
        new NpgsqlConnectionStringBuilder(TestDatabaseOwnerConnectionString)
        {
            SearchPath = schema,
            Username = AppLoginRole,
            Password = AppLoginPassword,
        }.ConnectionString;

    private static string CreateTestDatabase()
    {
        using (var connection = new NpgsqlConnection(OwnerConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{TestDatabase}');";
            if (!(bool)command.ExecuteScalar()!)
            {
                command.CommandText = $"CREATE DATABASE {TestDatabase};";
                try
                {
                    command.ExecuteNonQuery();
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Another test process created it first.
                }
            }
        }
        return new NpgsqlConnectionStringBuilder(OwnerConnectionString) { Database = TestDatabase }.ConnectionString;
    }

    private static string LoadOwnerConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set, so the PostgreSQL storage tests cannot run. Start a throwaway PostgreSQL 15 with " +
                "`eval \"$(scripts/test-postgres.sh start)\"` (it installs postgresql-15 when missing, as root) and stop it with " +
                "`scripts/test-postgres.sh stop`.");
        }
        EnsureAppLogin(value);
        return value;
    }

    /// <summary>The script creates the roles; this makes a server prepared by hand work too.</summary>
    private static void EnsureAppLogin(string ownerConnectionString)
    {
        using var connection = new NpgsqlConnection(ownerConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            $"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_app') THEN
                    CREATE ROLE baton_app NOLOGIN;
                END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{AppLoginRole}') THEN
                    CREATE ROLE {AppLoginRole} LOGIN PASSWORD '{AppLoginPassword}' IN ROLE baton_app;
                END IF;
            END
            $$;
            """;
        command.ExecuteNonQuery();
    }
}
