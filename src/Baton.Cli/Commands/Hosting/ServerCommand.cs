using System.CommandLine;
using Baton.Server.Hosting;

namespace Baton.Cli.Commands.Hosting;

/// <summary><c>baton server</c>: the orchestrator process (all roles unless <c>--roles</c> says otherwise).</summary>
public static class ServerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on.", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to bind.", DefaultValueFactory = _ => "0.0.0.0" };
        var data = new Option<string>("--data") { Description = "Data folder (SQLite database and blobs).", DefaultValueFactory = _ => ".baton" };
        var storage = new Option<string>("--storage") { Description = "Metadata backend: sqlite (one replica) or postgres (many).", DefaultValueFactory = _ => "sqlite" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string of the runtime role (owns nothing, no BYPASSRLS)." };
        var postgresMigration = new Option<string?>("--postgres-migration") { Description = "PostgreSQL connection string of the tables' owner, for migrations (default: --postgres)." };
        var postgresRead = new Option<string?>("--postgres-read") { Description = "Optional read-replica connection string for list queries." };
        var blobs = new Option<string?>("--blobs") { Description = "Blob store: a folder (default DATA/blobs) or s3://BUCKET[/PREFIX][?endpoint=URL] (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)." };
        var roles = new Option<string>("--roles") { Description = "Roles to run: all, or a comma-separated list of api, janitor, notifier, scheduler, autoscaler.", DefaultValueFactory = _ => "all" };
        var agentTtl = new Option<double?>("--agent-ttl") { Description = "Seconds without a heartbeat before an agent is offline and its jobs go back to the queue." };

        var command = new Command("server", "Run the Baton server (REST API, agent protocol, dispatcher, janitor).")
        {
            port, host, data, storage, postgres, postgresMigration, postgresRead, blobs, roles, agentTtl,
        };
        command.SetAction(async (parse, ct) =>
        {
            var url = $"http://{parse.GetValue(host)}:{parse.GetValue(port)}";
            await using var server = BatonServer.Create([], url, o =>
            {
                o.DataDirectory = parse.GetValue(data)!;
                o.Storage = parse.GetValue(storage)!;
                if (parse.GetValue(postgres) is { } cs) o.Postgres = cs;
                if (parse.GetValue(postgresMigration) is { } owner) o.PostgresMigration = owner;
                if (parse.GetValue(postgresRead) is { } read) o.PostgresRead = read;
                if (parse.GetValue(blobs) is { } blobPath) o.Blobs = blobPath;
                o.Roles = parse.GetValue(roles)!;
                if (parse.GetValue(agentTtl) is { } ttl) o.AgentTtl = TimeSpan.FromSeconds(ttl);
            });
            using var shutdown = new ShutdownSignal(ct);
            var bootstrap = await server.StartAsync(shutdown.Token);
            if (bootstrap.GeneratedAdminKey is { } key)
            {
                Console.WriteLine($"Created tenant 'default' and its system admin API key (shown once, keep it safe):\n  {key}");
            }
            Console.WriteLine($"Baton server listening on {string.Join(", ", server.Urls)} (storage: {server.Options.Storage}, data: {Path.GetFullPath(server.Options.DataDirectory)})");
            await shutdown.WaitAsync();
            Console.WriteLine("Stopping...");
            await server.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
