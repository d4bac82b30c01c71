using System.CommandLine;
using Baton.Server.Hosting;

namespace Baton.Cli.Commands.Hosting;

/// <summary><c>baton db migrate</c>: applies pending schema migrations without starting the server.</summary>
public static class DatabaseCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder of the embedded SQLite database.", DefaultValueFactory = _ => ".baton" };
        var storage = new Option<string>("--storage") { Description = "sqlite or postgres.", DefaultValueFactory = _ => "sqlite" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (the tables' owner, or use --postgres-migration)." };
        var postgresMigration = new Option<string?>("--postgres-migration") { Description = "PostgreSQL connection string of the tables' owner." };
        var migrate = new Command("migrate", "Apply pending schema migrations (under the backend's lock, safe with running replicas).")
        {
            data, storage, postgres, postgresMigration,
        };
        migrate.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Storage = parse.GetValue(storage)!,
                Postgres = parse.GetValue(postgres) ?? parse.GetValue(postgresMigration),
                PostgresMigration = parse.GetValue(postgresMigration),
            };
            if (options.Storage is not ("sqlite" or "postgres")) throw new ArgumentException("--storage must be sqlite or postgres.");
            if (options.Storage == "postgres" && string.IsNullOrWhiteSpace(options.Postgres))
                throw new ArgumentException("--storage postgres needs --postgres or --postgres-migration.");
            if (options.Storage == "sqlite") Directory.CreateDirectory(options.DataDirectory);
            await using var store = StoreFactory.Create(options, TimeProvider.System);
            var applied = await store.MigrateAsync(ct);
            Console.WriteLine(applied.Count == 0
                ? $"The {options.Storage} database is up to date."
                : $"Applied {options.Storage} migration(s) {string.Join(", ", applied)}.");
            return 0;
        });
        return new Command("db", "Database maintenance.") { migrate };
    }
}
