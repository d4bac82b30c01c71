using System.Text.Json;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Microsoft.AspNetCore.Builder;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton audit</c> and <c>baton secrets …</c> against a recording fake server and a real key file.</summary>
public sealed class SecurityCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static AuditEntryDto Entry(long id, string action, object summary) => new(
        id, "t_1", Dtos.At, new AuditActorDto("api_key", "k_admin", "t_1", "admin", false), action, action.Split('.')[0], "obj_" + id, "203.0.113.9",
        JsonSerializer.SerializeToElement(summary));

    private static Task<FakeBatonServer> StartServerAsync(int dataKeysOnOldKey = 0) => FakeBatonServer.StartAsync(app =>
    {
        var page = new ListResponse<AuditEntryDto>(
        [
            Entry(9, "schedule.updated", new { changes = new { cron = new { from = "0 2 * * *", to = "0 3 * * *" }, inputs = new { changed = true } } }),
            Entry(8, "webhook.created", new { created = new { url = "https://example.com" } }),
        ], "8");
        app.MapGet("/api/v1/audit", () => FakeBatonServer.Json(page));
        app.MapGet("/api/v1/system/audit", () => FakeBatonServer.Json(page));
        app.MapGet("/api/v1/system/secrets", () => FakeBatonServer.Json(new SecretsStatusDto("key file /data/master.key", "mk_new", ["mk_new", "mk_old"],
            dataKeysOnOldKey == 0 ? new Dictionary<string, int> { ["mk_new"] = 3 } : new Dictionary<string, int> { ["mk_new"] = 1, ["mk_old"] = dataKeysOnOldKey }, [])));
        app.MapPost("/api/v1/system/secrets/rewrap", () => FakeBatonServer.Json(new RewrapResultDto("mk_new", 2, 0, [])));
    });

    [Fact]
    public async Task Audit_sends_the_filters_and_prints_who_did_what()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "audit", "--action", "schedule.*", "--actor", "k_admin", "--target-type", "schedule",
            "--since", "2025-03-03T09:00:00Z", "--limit", "2", "--cursor", "12");

        Assert.Equal(0, result.ExitCode);
        var sent = server.Single("GET", "/api/v1/audit").PathAndQuery;
        Assert.Contains("limit=2", sent, StringComparison.Ordinal);
        Assert.Contains("action=schedule.%2A", sent, StringComparison.Ordinal);
        Assert.Contains("actor=k_admin", sent, StringComparison.Ordinal);
        Assert.Contains("targetType=schedule", sent, StringComparison.Ordinal);
        Assert.Contains("since=2025-03-03T09%3A00%3A00.0000000%2B00%3A00", sent, StringComparison.Ordinal);
        Assert.Contains("cursor=12", sent, StringComparison.Ordinal);
        Assert.Contains("cron 0 2 * * * → 0 3 * * *, inputs changed", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("k_admin (admin)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("203.0.113.9", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("More: baton audit --cursor 8", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_of_one_tenant_or_all_uses_the_system_view()
    {
        await using var server = await StartServerAsync();

        var one = await _cli.RunAgainstAsync(server, "audit", "--tenant", "t_42");
        var all = await _cli.RunAgainstAsync(server, "audit", "--all-tenants", "--json");

        Assert.Equal((0, 0), (one.ExitCode, all.ExitCode));
        Assert.Contains("tenant=t_42", server.Requests.First(r => r.PathAndQuery.StartsWith("/api/v1/system/audit", StringComparison.Ordinal)).PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(2, JsonDocument.Parse(all.Stdout).RootElement.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain(server.Requests, r => r.PathAndQuery.StartsWith("/api/v1/audit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secrets_status_and_rewrap_report_the_servers_keys()
    {
        await using var server = await StartServerAsync(dataKeysOnOldKey: 2);

        var status = await _cli.RunAgainstAsync(server, "secrets", "status");
        var rewrap = await _cli.RunAgainstAsync(server, "secrets", "rewrap");

        Assert.Equal(0, status.ExitCode);
        Assert.Contains("primary mk_new", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("re-wrap pending", status.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, rewrap.ExitCode);
        Assert.Contains("Re-wrapped 2 data key(s) with mk_new; 0 still under other keys.", rewrap.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_master_key_puts_a_key_on_top_of_an_owner_only_file_and_print_touches_nothing()
    {
        var path = Path.Combine(_cli.Home, "data", "master.key");

        var first = await _cli.RunAsync("secrets", "new-master-key", "--key-file", path);
        var firstRing = MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path);
        var second = await _cli.RunAsync("secrets", "new-master-key", "--data", Path.Combine(_cli.Home, "data"));
        var secondRing = MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path);
        var printed = await _cli.RunAsync("secrets", "new-master-key", "--print", "--key-file", path);

        Assert.Equal((0, 0, 0), (first.ExitCode, second.ExitCode, printed.ExitCode));
        Assert.Single(firstRing.Keys);
        Assert.Equal([secondRing.Keys[0].Id, firstRing.Primary.Id], secondRing.Keys.Select(k => k.Id));
        Assert.Contains(secondRing.Primary.Id, second.Stdout, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(2, MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path).Keys.Count);
        var line = printed.Stdout.Split('\n').Select(l => l.Trim()).Single(l => l.Length == 44 && l.EndsWith('=') && !l.Contains(' ', StringComparison.Ordinal));
        Assert.Single(MasterKeyRing.Parse(line, "printed").Keys);
    }

    [Fact]
    public async Task Retiring_old_keys_waits_until_no_data_key_needs_them()
    {
        var path = Path.Combine(_cli.Home, "master.key");
        var old = MasterKey.Generate();
        var primary = MasterKey.Generate();
        await File.WriteAllTextAsync(path, MasterKeyRing.Format([primary, old]));

        await using (var pending = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/system/secrets", () => FakeBatonServer.Json(
            new SecretsStatusDto("f", primary.Id, [primary.Id, old.Id], new Dictionary<string, int> { [primary.Id] = 1, [old.Id] = 4 }, [])))))
        {
            var refused = await _cli.RunAgainstAsync(pending, "secrets", "retire-old-keys", "--key-file", path);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("run `baton secrets rewrap` first", refused.Stderr, StringComparison.Ordinal);
            Assert.Equal(2, MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path).Keys.Count);
        }

        await using var done = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/system/secrets", () => FakeBatonServer.Json(
            new SecretsStatusDto("f", primary.Id, [primary.Id, old.Id], new Dictionary<string, int> { [primary.Id] = 5 }, []))));
        var retired = await _cli.RunAgainstAsync(done, "secrets", "retire-old-keys", "--key-file", path);
        Assert.Equal(0, retired.ExitCode);
        Assert.Equal([primary.Id], MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path).Keys.Select(k => k.Id));
    }
}
