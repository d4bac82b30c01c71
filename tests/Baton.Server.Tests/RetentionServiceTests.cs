using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Server.Hosting;
using Baton.Server.Roles;
using Baton.Server.Tests.Support;
using Baton.Storage;
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

    private RetentionService Service(ServerOptions options) => new(_store, Options.Create(options), _time, NullLogger<RetentionService>.Instance);

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
        Assert.Equal(new RetentionCutoffs(now.AddDays(-7), now.AddDays(-7), now.AddDays(-3), now.AddDays(-365)), cutoffs);
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
