using System.CommandLine;
using System.Text.Json;
using Baton.Server.Backup;
using Baton.Server.Hosting;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton export</c> / <c>baton import</c>: a deployment's configuration (or some tenants') as a JSON document,
/// read and written through the storage layer, so the CLI needs the server's storage settings, not an API key.
/// </summary>
public static class ConfigurationCommands
{
    private sealed record StorageOptions(Option<string> Data, Option<string> Storage, Option<string?> Postgres, Option<string?> Blobs)
    {
        public static StorageOptions Create() => new(
            new Option<string>("--data") { Description = "Data folder of the embedded SQLite database.", DefaultValueFactory = _ => ".baton" },
            new Option<string>("--storage") { Description = "sqlite or postgres.", DefaultValueFactory = _ => "sqlite" },
            new Option<string?>("--postgres") { Description = "PostgreSQL connection string (the runtime or the owner login)." },
            new Option<string?>("--blobs") { Description = "The blob store when not DATA/blobs: a folder or s3://BUCKET[/PREFIX]." });

        public void AddTo(Command command)
        {
            command.Options.Add(Data);
            command.Options.Add(Storage);
            command.Options.Add(Postgres);
            command.Options.Add(Blobs);
        }

        public ServerOptions Read(ParseResult parse)
        {
            var options = new ServerOptions
            {
                DataDirectory = parse.GetValue(Data)!,
                Storage = parse.GetValue(Storage)!,
                Postgres = parse.GetValue(Postgres),
                Blobs = parse.GetValue(Blobs),
            };
            if (options.Storage is not ("sqlite" or "postgres")) throw new UsageException("--storage must be sqlite or postgres.");
            if (options.Storage == "postgres" && string.IsNullOrWhiteSpace(options.Postgres)) throw new UsageException("--storage postgres needs --postgres.");
            if (options.Storage == "sqlite" && !File.Exists(Path.Combine(options.DataDirectory, "baton.db")))
                throw new CliException($"There is no Baton database in {Path.GetFullPath(options.DataDirectory)} (baton.db); pass the server's --data folder.");
            return options;
        }
    }

    public static Command Export(CliContext context)
    {
        var storage = StorageOptions.Create();
        var tenants = new Option<string[]>("--tenant") { Description = "Export only these tenants (repeatable); default: every tenant.", AllowMultipleArgumentsPerToken = false };
        var to = new Option<string?>("--to") { Description = "File to write (default: standard output)." };
        var command = new Command("export", "Export configuration (tenants, quotas, keys, queues, calendars, packages, schedules, webhooks; secrets stay encrypted).")
        {
            tenants, to,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = storage.Read(parse);
            await using var store = StoreFactory.Create(options, TimeProvider.System);
            var document = await Refusals(() => ConfigurationTransfer.ExportAsync(store, StoreFactory.CreateBlobs(options), parse.GetValue(tenants) ?? [], TimeProvider.System, ct));
            var json = JsonSerializer.Serialize(document, ConfigurationDocument.Json);
            var target = parse.GetValue(to);
            if (target is null)
            {
                context.Out.WriteLine(json);
            }
            else
            {
                await File.WriteAllTextAsync(target, json, ct);
                context.Error.WriteLine($"Exported {document.Tenants.Count} tenant(s) to {target}.");
            }
            return 0;
        });
        return command;
    }

    public static Command Import(CliContext context)
    {
        var storage = StorageOptions.Create();
        var file = new Argument<string>("FILE") { Description = "A document written by 'baton export'." };
        var command = new Command("import", "Import tenants exported from another deployment (refused when the target has one of them).") { file };
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = storage.Read(parse);
            var path = parse.GetValue(file)!;
            ConfigurationDocument document;
            try
            {
                document = JsonSerializer.Deserialize<ConfigurationDocument>(await File.ReadAllTextAsync(path, ct), ConfigurationDocument.Json)
                    ?? throw new CliException($"{path} is empty.");
            }
            catch (JsonException e)
            {
                throw new CliException($"{path} is not a Baton export: {e.Message}");
            }
            await using var store = StoreFactory.Create(options, TimeProvider.System);
            var imported = await Refusals(() => ConfigurationTransfer.ImportAsync(store, StoreFactory.CreateBlobs(options), document, ct));
            context.Out.WriteLine($"Imported {imported.Count} tenant(s):");
            foreach (var line in imported) context.Out.WriteLine($"  {line}");
            return 0;
        });
        return command;
    }

    private static async Task<T> Refusals<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (BackupRefusedException e)
        {
            throw new CliException(e.Message, e);
        }
    }
}
