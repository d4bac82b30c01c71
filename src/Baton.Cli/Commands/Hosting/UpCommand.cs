using System.CommandLine;
using System.Diagnostics;
using Baton.Agent;
using Baton.Cli.Configuration;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton up</c>: the whole of Baton on one machine — the server with all roles on 127.0.0.1 and
/// local agents in the same process, on embedded storage — ready for the CLI to use.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on (127.0.0.1 only).", DefaultValueFactory = _ => 8080 };
        var data = new Option<string>("--data") { Description = "Data folder for the database, blobs and the local agents.", DefaultValueFactory = _ => ".baton" };
        var agents = new Option<int>("--agents") { Description = "How many local agents to start.", DefaultValueFactory = _ => 1 };
        var slots = new Option<int>("--slots") { Description = "Job slots per local agent.", DefaultValueFactory = _ => 4 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the server's request logs." };
        var resetAdminKey = new Option<bool>("--reset-admin-key")
        {
            Description = "Print a new system admin key of this local data folder (when the first one was lost) and log the CLI in with it.",
        };
        var autoscale = new Option<string?>("--autoscale")
        {
            Description = "Scale local agent processes with the autoscaler: the built-in policy (1 to 4 agents on queue depth), or the policy FILE given.",
            Arity = ArgumentArity.ZeroOrOne,
        };

        var command = new Command("up", "Start Baton locally: the server and local agent(s) on embedded storage.")
        {
            port, data, agents, slots, verbose, autoscale, resetAdminKey,
        };
        command.SetAction(async (parse, ct) => await RunAsync(
            parse.GetValue(port), parse.GetValue(data)!, parse.GetValue(agents), parse.GetValue(slots), parse.GetValue(verbose),
            parse.GetResult(autoscale) is null ? null : parse.GetValue(autoscale) ?? "", parse.GetValue(resetAdminKey), ct));
        return command;
    }

    /// <param name="autoscale">Null: fixed agents; empty: the built-in autoscaling policy; else a policy file.</param>
    private static async Task<int> RunAsync(
        int port, string dataDirectory, int agentCount, int slots, bool verbose, string? autoscale, bool resetAdminKey, CancellationToken ct)
    {
        if (port is < 1 or > 65535) throw new ArgumentException("--port must be between 1 and 65535.");
        if (agentCount is < 0 or > 64) throw new ArgumentException("--agents must be between 0 and 64.");
        if (slots is < 1 or > 256) throw new ArgumentException("--slots must be between 1 and 256.");
        if (autoscale is { Length: > 0 } policyFile)
        {
            if (!File.Exists(policyFile)) throw new CliException($"{Path.GetFullPath(policyFile)}: no such policy file.");
            var read = Baton.Core.Autoscaling.ScalingPolicyReader.Read(await File.ReadAllTextAsync(policyFile, ct));
            if (!read.Succeeded) throw new CliException($"{policyFile} is refused: {string.Join("; ", read.Errors)}");
        }
        // With the autoscaler, the local provider starts the agents (as processes it can drain), not this process.
        if (autoscale is not null) agentCount = 0;

        var clock = Stopwatch.StartNew();
        var url = $"http://127.0.0.1:{port}";
        string[] logging = verbose ? [] : ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Baton=Information"];
        await using var server = BatonServer.Create(logging, url, o =>
        {
            o.DataDirectory = dataDirectory;
            if (autoscale is null) return;
            o.Autoscaler.PolicyFile = autoscale.Length > 0 ? Path.GetFullPath(autoscale) : null;
            o.Autoscaler.DefaultPolicy = autoscale.Length == 0;
            o.Autoscaler.LocalAgents.ServerUrl = url;
            o.Autoscaler.LocalAgents.Slots = slots;
        });
        using var shutdown = new ShutdownSignal(ct);
        var bootstrap = await server.StartAsync(shutdown.Token);

        var resetKey = resetAdminKey
            ? await Bootstrapper.GenerateAdminKeyAsync(server.Services.GetRequiredService<IBatonStore>(), bootstrap.DefaultTenantId,
                "bootstrap admin (reset)", server.Services.GetRequiredService<TimeProvider>(), shutdown.Token)
            : null;
        var login = RememberLogin(url, Path.GetFullPath(dataDirectory), resetKey ?? bootstrap.GeneratedAdminKey ?? server.Options.BootstrapApiKey);

        using var loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
            b.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        });
        var running = await StartAgentsAsync(server, url, dataDirectory, agentCount, slots, loggers, shutdown.Token);
        await WaitForAgentsAsync(running, shutdown.Token);

        Console.WriteLine();
        var agentsText = autoscale is null ? $"{agentCount} local agent(s) × {slots} slots" : "local agents started and drained by the autoscaler";
        Console.WriteLine($"Baton is up at {url} — ready in {clock.Elapsed.TotalSeconds:0.0} s (data: {Path.GetFullPath(dataDirectory)}, {agentsText}).");
        Console.WriteLine($"Dashboard: {url}/ (sign in with an API key).");
        if (autoscale is not null) Console.WriteLine("Watch it: ./baton autoscale status, ./baton autoscale decisions");
        if (bootstrap.GeneratedAdminKey is not null)
        {
            Console.WriteLine($"Created tenant 'default' and its system admin API key (shown once, keep it safe):\n  {bootstrap.GeneratedAdminKey}");
        }
        if (server.GeneratedMasterKeyFile is { } keyFile)
        {
            Console.WriteLine($"Generated the master key of secrets at rest in {keyFile} (readable by you only). Back it up apart from the database: without it, stored webhook secrets cannot be read.");
        }
        if (resetKey is not null)
        {
            Console.WriteLine($"A new system admin API key of tenant 'default' (shown once, keep it safe; earlier keys stay valid until revoked):\n  {resetKey}");
        }
        if (login is not null)
        {
            Console.WriteLine($"The CLI is logged in as context '{login.Name}' ({CliConfig.DefaultPath}). Try: ./baton package push samples/hello && ./baton job run hello --input name=Ada --wait");
        }
        else
        {
            Console.WriteLine($"The CLI has no saved login for this data folder. Log in with: ./baton login --server {url} --key <your admin key>");
            Console.WriteLine("Lost the key? Stop and run ./baton up --reset-admin-key (with the same --data): it prints a new one and logs the CLI in.");
        }
        Console.WriteLine("Press Ctrl-C to stop.");

        await shutdown.WaitAsync();
        Console.WriteLine("Stopping agents and server...");
        foreach (var (agent, task) in running)
        {
            await task;
            await agent.DisposeAsync();
        }
        // Autoscaled agents stop while the server still listens, so the jobs they stop are reported, not left to expire.
        await server.Services.GetRequiredService<Baton.Server.Autoscaling.Providers.ScalingProviders>().DisposeAsync();
        await server.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>
    /// Saves the login of this URL and data folder as the current context (a key known this start), or switches back
    /// to the one saved by an earlier start of the same folder. Null when neither: the key is not known here.
    /// </summary>
    private static SavedContext? RememberLogin(string url, string dataDirectory, string? key)
    {
        var contexts = CliContextFile.Load(CliConfig.DefaultPath);
        var login = key is not null ? contexts.Remember(url, key, dataDirectory) : contexts.Find(url, dataDirectory);
        if (login is null) return null;
        contexts.Current = login.Name;
        contexts.Save(CliConfig.DefaultPath);
        return login;
    }

    private static async Task<List<(BatonAgent Agent, Task Run)>> StartAgentsAsync(
        BatonServer server, string url, string dataDirectory, int count, int slots, ILoggerFactory loggers, CancellationToken ct)
    {
        var agents = new List<(BatonAgent, Task)>();
        if (count == 0) return agents;
        string? token = null;
        for (var i = 1; i <= count; i++)
        {
            var folder = Path.Combine(dataDirectory, "agents", $"agent-{i}");
            if (!File.Exists(Path.Combine(folder, "agent.json")) && token is null)
            {
                // A short-lived token for the local agents' first registration; later starts reuse their identity.
                var store = server.Services.GetRequiredService<IBatonStore>();
                var time = server.Services.GetRequiredService<TimeProvider>();
                var created = await IdentityEndpoints.CreateEnrollmentTokenAsync(
                    store, server.Bootstrap!.DefaultTenantId, "baton up local agents", TimeSpan.FromHours(1), time, ct);
                token = created.Secret;
                // Made by this process, not over the API: recorded with the system as its actor.
                await store.Audit.AppendAsync(new NewAuditEntry(server.Bootstrap.DefaultTenantId, time.GetUtcNow(), AuditActor.System,
                    "enrollment_token.created", "enrollment_token", created.Token.Id, null,
                    System.Text.Json.JsonSerializer.SerializeToElement(new { created = new { name = created.Token.Name, expiresAt = created.Token.ExpiresAt } })), ct);
            }
            var agent = new BatonAgent(new AgentOptions
            {
                ServerUrls = [new Uri(url)],
                EnrollmentToken = token,
                Name = $"{Environment.MachineName}-local-{i}",
                Slots = slots,
                DataDirectory = folder,
            }, loggers, TimeProvider.System);
            agents.Add((agent, Task.Run(() => agent.RunAsync(ct), CancellationToken.None)));
        }
        return agents;
    }

    /// <summary>Ready means every local agent has registered (or failed loudly).</summary>
    private static async Task WaitForAgentsAsync(List<(BatonAgent Agent, Task Run)> agents, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (agents.Any(a => a.Agent.AgentId is null) && clock.Elapsed < TimeSpan.FromSeconds(30) && !ct.IsCancellationRequested)
        {
            if (agents.FirstOrDefault(a => a.Run.IsFaulted) is { Run: { } failed }) await failed;
            await Task.Delay(20, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
