using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Baton.Core.Api;

namespace Baton.EndToEnd.Tests.Support;

/// <summary>A real server process plus real agent processes, each with its own temporary folders.</summary>
public sealed class Cluster : IAsyncDisposable
{
    public const string AdminKey = "bk_e2e_admin_key_for_tests_only_0001";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<BatonProcess> _agents = [];
    private BatonProcess? _server;

    public Cluster()
    {
        Root = Path.Combine(Path.GetTempPath(), "baton-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Url { get; private set; } = "";

    /// <summary>Extra environment for server processes started from now on (settings such as <c>BATON__SERVER__…</c>).</summary>
    public Dictionary<string, string> ServerEnv { get; } = [];

    public BatonProcess Server => _server ?? throw new InvalidOperationException("Not started.");

    public IReadOnlyDictionary<string, string> CliEnv(string? key = null) => new Dictionary<string, string>
    {
        ["BATON_SERVER"] = Url,
        ["BATON_API_KEY"] = key ?? AdminKey,
        ["HOME"] = Root,
        ["XDG_CONFIG_HOME"] = Path.Combine(Root, "config"),
    };

    public async Task StartServerAsync(double agentTtlSeconds = 4)
    {
        _server = await StartReplicaAsync("server", agentTtlSeconds);
        Url = ReplicaUrl(_server);
    }

    private readonly Dictionary<BatonProcess, string> _replicaUrls = [];

    /// <summary>Points the helpers (API clients, enrollment, agents) at another replica, e.g. a restored server.</summary>
    public void UseServer(BatonProcess replica) => Url = ReplicaUrl(replica);

    public string ReplicaUrl(BatonProcess replica) => _replicaUrls[replica];

    /// <summary>Starts one server process; extra arguments pick the storage (e.g. PostgreSQL for several replicas).</summary>
    public Task<BatonProcess> StartReplicaAsync(string name, double agentTtlSeconds = 4, params string[] storageArgs) =>
        StartReplicaOnAsync(FreePort(), name, agentTtlSeconds, storageArgs);

    /// <summary>Starts a replica again on the address of one that died, so agents configured with it find it back.</summary>
    public Task<BatonProcess> RestartReplicaAsync(BatonProcess dead, string name, double agentTtlSeconds = 4, params string[] storageArgs) =>
        StartReplicaOnAsync(new Uri(ReplicaUrl(dead)).Port, name, agentTtlSeconds, storageArgs);

    private async Task<BatonProcess> StartReplicaOnAsync(int port, string name, double agentTtlSeconds, string[] storageArgs)
    {
        var url = $"http://127.0.0.1:{port}";
        string[] args =
        [
            "server", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data", Path.Combine(Root, name), "--agent-ttl", agentTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. storageArgs,
        ];
        var replica = BatonProcess.Start(new Dictionary<string, string>(ServerEnv) { ["BATON_BOOTSTRAP_API_KEY"] = AdminKey }, args);
        _replicas.Add(replica);
        _replicaUrls[replica] = url;
        await replica.WaitForAsync("Baton server listening", TimeSpan.FromSeconds(60));
        if (Url.Length == 0) Url = url;
        return replica;
    }

    private readonly List<BatonProcess> _replicas = [];

    /// <summary><paramref name="key"/>: a key of the agent's tenant, to see it come online (default: the admin key).</summary>
    public async Task<BatonProcess> StartAgentAsync(string name, int slots = 2, string? token = null, string? servers = null, string? key = null)
    {
        token ??= await CreateEnrollmentTokenAsync(key ?? AdminKey);
        var agent = BatonProcess.Start(new Dictionary<string, string> { ["HOME"] = Root },
            "agent", "--server", servers ?? Url, "--token", token, "--name", name, "--slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data", AgentData(name));
        _agents.Add(agent);
        await WaitForAgentOnlineAsync(name, key);
        return agent;
    }

    public string AgentData(string name) => Path.Combine(Root, "agents", name);

    public HttpClient Api(string? key = null, string? url = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(url ?? Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? AdminKey);
        return client;
    }

    public async Task<string> CreateEnrollmentTokenAsync(string key)
    {
        using var api = Api(key);
        var response = await api.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("e2e"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedEnrollmentTokenDto>(Json))!.Secret;
    }

    public async Task WaitForAgentOnlineAsync(string name, string? key = null)
    {
        using var api = Api(key);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var agents = await api.GetFromJsonAsync<ListResponse<AgentDto>>("/api/v1/agents", Json);
            if (agents!.Items.Any(a => a.Name == name && a.State == "online")) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Agent {name} did not come online.");
    }

    public async Task<JobDto> WaitForJobAsync(string jobId, Func<JobDto, bool> done, TimeSpan within, string? key = null)
    {
        using var api = Api(key);
        var clock = Stopwatch.StartNew();
        JobDto job;
        do
        {
            job = (await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}", Json))!;
            if (done(job)) return job;
            await Task.Delay(50);
        }
        while (clock.Elapsed < within);
        throw new TimeoutException($"Job {jobId} is still {job.State} after {within}.");
    }

    public async Task<string> LogsAsync(string jobId, string? key = null)
    {
        using var api = Api(key);
        var page = await api.GetFromJsonAsync<LogPageDto>($"/api/v1/jobs/{jobId}/logs", Json);
        return string.Join('\n', page!.Items.Select(l => l.Text));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        foreach (var replica in _replicas) await replica.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
