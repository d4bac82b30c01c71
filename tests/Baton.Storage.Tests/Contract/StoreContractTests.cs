using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Storage.Model;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Storage.Tests.Contract;

/// <summary>
/// The base of every storage contract test class: each test gets a migrated store on fresh data of
/// the backend a subclass names, a fake clock, and a retry policy without randomness
/// (attempt n waits 2s * 2^(n-1)).
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);
    private ITestStoreBackend? _backend;
    private IBatonStore? _store;

    protected FakeTimeProvider Time { get; } = new(Start);
    protected RetryPolicy Retry { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5), () => 1.0);
    protected IBatonStore Store => _store ?? throw new InvalidOperationException("Not initialised.");
    protected ITestStoreBackend Backend => _backend ?? throw new InvalidOperationException("Not initialised.");
    protected CancellationToken Ct => CancellationToken.None;

    protected abstract ITestStoreBackend CreateBackend();

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        _store = _backend.CreateStore(Time, Retry);
        await _store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        if (_backend is not null) await _backend.DisposeAsync();
    }

    protected async Task<string> CreateTenantAsync(string name, Tier tier = Tier.Standard)
    {
        var id = "t-" + name;
        Assert.True(await Store.Tenants.CreateAsync(new TenantRecord(id, name, tier, QuotaOverrides.None, Time.GetUtcNow()), Ct));
        return id;
    }

    protected static NewJob NewJob(
        string tenantId,
        string? id = null,
        int priority = 0,
        int maxAttempts = 1,
        string package = "hello",
        string version = "1.0.0",
        IReadOnlyList<string>? requirements = null,
        string? idempotencyKey = null) =>
        new(
            id ?? "j-" + Guid.NewGuid().ToString("N"),
            tenantId,
            package,
            version,
            new string('a', 64),
            maxAttempts,
            priority,
            TimeoutSeconds: 60,
            requirements ?? [],
            JsonDocument.Parse("""{"name":"Ada"}""").RootElement.Clone(),
            idempotencyKey);

    protected async Task<JobRecord> SubmitAsync(string tenantId, string? id = null, int priority = 0, int maxAttempts = 1,
        string package = "hello", string version = "1.0.0", IReadOnlyList<string>? requirements = null)
    {
        var (job, created) = await Store.Jobs.SubmitAsync(NewJob(tenantId, id, priority, maxAttempts, package, version, requirements), Ct);
        Assert.True(created);
        return job;
    }

    protected async Task<JobRecord> SubmitAsync(string tenantId, NewJob job)
    {
        var (record, created) = await Store.Jobs.SubmitAsync(job with { TenantId = tenantId }, Ct);
        Assert.True(created);
        return record;
    }

    protected Task<IReadOnlyList<JobRecord>> ClaimAsync(
        string tenantId, string agentId, int maxJobs = 1, int concurrencyLimit = 100, Func<JobRecord, bool>? canRun = null) =>
        Store.Jobs.ClaimAsync(new JobClaimRequest(tenantId, agentId, maxJobs, concurrencyLimit, LeaseTtl, canRun ?? (_ => true)), Ct);

    /// <summary>Submits one job and claims it for <paramref name="agentId"/>.</summary>
    protected async Task<JobRecord> SubmitAndClaimAsync(string tenantId, string agentId, int maxAttempts = 1)
    {
        var job = await SubmitAsync(tenantId, maxAttempts: maxAttempts);
        var claimed = await ClaimAsync(tenantId, agentId);
        var single = Assert.Single(claimed);
        Assert.Equal(job.Id, single.Id);
        return single;
    }

    protected Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAsync(
        JobRecord job, JobOutcome outcome, int? exitCode = null, string? error = null, string? agentId = null, int? attempt = null) =>
        Store.Jobs.CompleteAttemptAsync(new AttemptCompletion(
            job.TenantId, job.Id, agentId ?? job.AgentId!, attempt ?? job.Attempt, outcome, exitCode,
            outcome == JobOutcome.Succeeded ? JsonDocument.Parse("""{"ok":true}""").RootElement.Clone() : null, error), Ct);

    protected async Task<string> RegisterAgentAsync(string tenantId, string agentId, int maxOnline = 100)
    {
        var result = await Store.Agents.RegisterAsync(NewAgent(tenantId, agentId), maxOnline, Ct);
        Assert.Equal(AgentRegistrationResult.Registered, result);
        return agentId;
    }

    protected static NewAgent NewAgent(string tenantId, string agentId) => new(
        agentId,
        tenantId,
        "host-" + agentId,
        "hash-" + agentId,
        new AgentCapabilities("linux", "x64", [new PythonInterpreterInfo("3.12.1", "/usr/bin/python3.12")],
            new Dictionary<string, string> { ["browser"] = "chromium" }),
        new AgentResources(4, 8192, 100_000),
        Slots: 4,
        Version: "0.1.0");

    protected async Task<IReadOnlyList<string>> EventTypesAsync(JobRecord job) =>
        (await Store.Jobs.ListEventsAsync(job.TenantId, job.Id, Ct)).Select(e => e.Type).ToList();
}
