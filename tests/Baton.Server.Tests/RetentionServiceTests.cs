using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Server.Hosting;
using Baton.Server.Artifacts;
using Baton.Server.Roles;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Baton.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests;

/// <summary>The janitor's retention pass: one policy from the server's settings, on any backend, driven here by a fake clock.</summary>
public sealed class RetentionServiceTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "baton-retention-tests-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
    private IBatonStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(_folder, "baton.db") }, _time, RetryPolicy.Default);
        await _store.MigrateAsync(default);
        Assert.True(await _store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, _time.GetUtcNow()), default));
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private FileSystemBlobStore Blobs => new(Path.Combine(_folder, "blobs"));

    private RetentionService Service(ServerOptions options) => new(_store, Options.Create(options), _time, NullLogger<RetentionService>.Instance,
        new ArtifactBlobCollector(_store, Blobs, NullLogger<ArtifactBlobCollector>.Instance));

    [Fact]
    public async Task Artifacts_past_the_history_retention_go_and_so_does_content_nothing_else_names()
    {
        var options = new ServerOptions { HistoryRetention = TimeSpan.FromDays(30) };
        var blobs = Blobs;
        var own = await blobs.PutAsync(new MemoryStream("only an artifact"u8.ToArray()), default);
        var shared = await blobs.PutAsync(new MemoryStream("also a package"u8.ToArray()), default);
        await _store.Packages.AddVersionAsync(new PackageVersionRecord("t-acme", "hello", "1.0.0", shared.Sha256, shared.SizeBytes,
            new Baton.Core.Packages.PackageManifest { Name = "hello", Version = "1.0.0", Entrypoint = new Baton.Core.Packages.PackageEntrypoint { Module = "m", Function = "f" } },
            _time.GetUtcNow()), long.MaxValue, default);
        var (job, _) = await _store.Jobs.SubmitAsync(new NewJob("j-1", "t-acme", "hello", "1.0.0", shared.Sha256, 1, 0, 60, [],
            JsonSerializer.SerializeToElement(new { }), null), default);
        var claimed = Assert.Single(await _store.Jobs.ClaimAsync(new JobClaimRequest("t-acme", "agent-1", 1, 10, TimeSpan.FromMinutes(1), _ => true), default));
        foreach (var (name, blob) in new[] { ("own.txt", own), ("copy-of-package.zip", shared) })
        {
            var added = await _store.Artifacts.AddAsync(new NewArtifact("t-acme", job.Id, "agent-1", claimed.Attempt, name, blob.Sha256, blob.SizeBytes,
                _time.GetUtcNow(), long.MaxValue, long.MaxValue), default);
            Assert.Equal(ArtifactAddResult.Added, added.Result);
        }

        _time.Advance(TimeSpan.FromDays(29));
        await Service(options).RunOnceAsync(default);
        Assert.Equal(2, (await _store.Artifacts.ListAsync("t-acme", job.Id, default)).Count);

        _time.Advance(TimeSpan.FromDays(2));
        var report = await Service(options).RunOnceAsync(default);
        Assert.Equal(2, report.RowsDeleted["job_artifacts"]);
        Assert.Empty(await _store.Artifacts.ListAsync("t-acme", job.Id, default));
        Assert.False(await blobs.ExistsAsync(own.Sha256, default));
        Assert.True(await blobs.ExistsAsync(shared.Sha256, default), "a package version still names this content");
    }

    [Fact]
    public async Task Each_pass_removes_what_its_setting_says_is_too_old()
    {
        var options = new ServerOptions { HistoryRetention = TimeSpan.FromDays(90), DeliveryRetention = TimeSpan.FromDays(30), AuditRetention = TimeSpan.FromDays(400) };
        await _store.Events.AppendAsync(new NewTenantEvent("t-acme", TenantEventTypes.AgentOnline, "a-1", JsonSerializer.SerializeToElement(new { })), null, default);
        await _store.Audit.AppendAsync(new NewAuditEntry("t-acme", _time.GetUtcNow(), AuditActor.System, "tenant.created", "tenant", "t-acme", null,
            JsonSerializer.SerializeToElement(new { })), default);

        _time.Advance(TimeSpan.FromDays(89));
        var early = await Service(options).RunOnceAsync(default);
        Assert.False(early.RemovedAnything);

        _time.Advance(TimeSpan.FromDays(2));
        var later = await Service(options).RunOnceAsync(default);
        Assert.Equal(1, later.RowsDeleted["events"]);
        Assert.Empty(await _store.Events.ListAsync("t-acme", 0, null, 10, default));
        Assert.Single(await _store.Audit.ListAsync(new AuditQuery("t-acme", 10), default));

        _time.Advance(TimeSpan.FromDays(310));
        await Service(options).RunOnceAsync(default);
        Assert.Empty(await _store.Audit.ListAsync(new AuditQuery("t-acme", 10), default));
    }

    [Fact]
    public void The_cutoffs_follow_the_settings()
    {
        var now = _time.GetUtcNow();
        var cutoffs = RetentionService.CutoffsAt(now, new ServerOptions
        {
            HistoryRetention = TimeSpan.FromDays(7),
            DeliveryRetention = TimeSpan.FromDays(3),
            AuditRetention = TimeSpan.FromDays(365),
        });
        Assert.Equal(new RetentionCutoffs(now.AddDays(-7), now.AddDays(-7), now.AddDays(-3), now.AddDays(-365), now.AddDays(-7)), cutoffs);
    }

    [Fact]
    public async Task The_janitor_role_runs_retention_on_sqlite_too()
    {
        await using var server = await new ServerHarness().StartAsync();
        Assert.Contains(server.Server.Services.GetServices<IHostedService>(), s => s is RetentionService);
        await using var apiOnly = await new ServerHarness().StartAsync(o => o.Roles = "api");
        Assert.DoesNotContain(apiOnly.Server.Services.GetServices<IHostedService>(), s => s is RetentionService);
    }

    [Theory]
    [InlineData("HistoryRetention")]
    [InlineData("DeliveryRetention")]
    [InlineData("AuditRetention")]
    [InlineData("RetentionInterval")]
    public async Task Settings_out_of_range_stop_the_start_with_a_reason(string setting)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => new ServerHarness().StartAsync(o =>
        {
            switch (setting)
            {
                case "HistoryRetention": o.HistoryRetention = TimeSpan.FromMinutes(5); break;
                case "DeliveryRetention": o.DeliveryRetention = o.Webhooks.MaxAge; break;
                case "AuditRetention": o.AuditRetention = TimeSpan.FromHours(1); break;
                default: o.RetentionInterval = TimeSpan.FromSeconds(1); break;
            }
        }));
        Assert.Contains(setting, refused.Message, StringComparison.Ordinal);
    }
}
