using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Hosting;

namespace Baton.Server.Tests.Support;

/// <summary>A real Baton server on a random loopback port with its own temporary data folder.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const string AdminKey = "bk_test_system_admin_key_0123456789";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _dataDirectory;
    private BatonServer? _server;

    public ServerHarness(string? dataDirectory = null)
    {
        _dataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "baton-server-tests-" + Guid.NewGuid().ToString("N"));
        _ownsData = dataDirectory is null;
    }

    private readonly bool _ownsData;

    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory => _dataDirectory;

    public BatonServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public async Task<ServerHarness> StartAsync(Action<ServerOptions>? configure = null)
    {
        _server = BatonServer.Create(["--Logging:LogLevel:Default=Warning"], "http://127.0.0.1:0", o =>
        {
            o.DataDirectory = _dataDirectory;
            o.BootstrapApiKey = AdminKey;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.RetryMaxDelay = TimeSpan.FromSeconds(1);
            o.JanitorInterval = TimeSpan.FromMilliseconds(200);
            o.HeartbeatFlushInterval = TimeSpan.FromMilliseconds(20);
            // Tests send many writes and bad credentials from one address; the rate-limit tests turn the limits back on.
            o.RateLimits.Enabled = false;
            configure?.Invoke(o);
        });
        try
        {
            await _server.StartAsync();
        }
        catch
        {
            // A refused start (bad settings, a missing master key) must not leave the host or the data lock behind.
            await _server.DisposeAsync();
            _server = null;
            throw;
        }
        BaseAddress = new Uri(_server.Urls[0]);
        return this;
    }

    public HttpClient Client(string? bearer = AdminKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    /// <summary>A fresh tenant and a client holding its first admin key.</summary>
    public async Task<TestTenant> CreateTenantAsync(string? tier = "enterprise", QuotaOverridesInput? quotas = null)
    {
        using var admin = Client();
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        var response = await admin.PostAsJsonAsync("/api/v1/tenants", new
        {
            name,
            tier,
            quotas,
        });
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<CreateTenantResponse>(Json))!;
        return new TestTenant(created.Tenant, created.AdminKey.Secret, Client(created.AdminKey.Secret));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
        if (!_ownsData) return;
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record QuotaOverridesInput(
    int? Agents = null, int? ConcurrentJobs = null, int? Schedules = null, int? Queues = null, double? StorageGb = null, int? ApiCallsPerDay = null, int? PendingJobs = null,
    int? LogMbPerJob = null, int? JobInputKb = null, int? ArtifactMbPerJob = null);

public sealed record TestTenant(TenantDto Tenant, string AdminKey, HttpClient Client) : IDisposable
{
    public void Dispose() => Client.Dispose();
}
