using System.CommandLine;
using Baton.Core.Jobs;
using Baton.Storage.Sqlite;

namespace Baton.Cli.Commands.Hosting;

/// <summary><c>baton db migrate</c>: applies pending schema migrations without starting the server.</summary>
public static class DatabaseCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder of the embedded SQLite database.", DefaultValueFactory = _ => ".baton" };
        var migrate = new Command("migrate", "Apply pending schema migrations.") { data };
        migrate.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(data)!;
            Directory.CreateDirectory(folder);
            await using var store = new SqliteBatonStore(
                new SqliteStoreOptions { DatabasePath = Path.Combine(folder, "baton.db") }, TimeProvider.System, RetryPolicy.Default);
            var applied = await store.MigrateAsync(ct);
            Console.WriteLine(applied.Count == 0
                ? "The database is up to date."
                : $"Applied migration(s) {string.Join(", ", applied)}.");
            return 0;
        });
        return new Command("db", "Database maintenance.") { migrate };
    }
}
