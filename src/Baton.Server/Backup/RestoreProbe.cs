using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Backup;

/// <summary>
/// Shows that a restored copy works with this Baton, not only that its rows are there: the store migrates it to this
/// version, then a job goes the whole way — a new tenant, an agent registered, the job submitted, claimed, started
/// and completed — through the same store code a server runs. Run only on a scratch copy: it writes.
/// </summary>
public static class RestoreProbe
{
    /// <summary>What was shown, in words; throws <see cref="BackupRefusedException"/> at the first step that fails.</summary>
    public static async Task<string> RunAsync(IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var applied = await store.MigrateAsync(ct);
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var tenant = $"t-verify-{suffix}";
        var agent = $"a-verify-{suffix}";
        var job = $"j-verify-{suffix}";
        if (!await store.Tenants.CreateAsync(new TenantRecord(tenant, $"baton-verify-{suffix}", Tier.Standard, QuotaOverrides.None, time.GetUtcNow()), ct))
            throw new BackupRefusedException("the restored copy refused a new tenant.");
        var registered = await store.Agents.RegisterAsync(new NewAgent(agent, tenant, "baton-verify", "-",
            new AgentCapabilities("linux", "x64", [], new Dictionary<string, string>()), new AgentResources(1, 1024, 1024), 1, "verify"), 1, ct);
        if (registered != AgentRegistrationResult.Registered) throw new BackupRefusedException("the restored copy refused to register an agent.");
        await store.Jobs.SubmitAsync(new NewJob(job, tenant, "baton-verify", "1.0.0", new string('0', 64), 1, 0, 60, [],
            JsonSerializer.SerializeToElement(new { }), null), ct);
        var claimed = await store.Jobs.ClaimAsync(new JobClaimRequest(tenant, agent, 1, 1, TimeSpan.FromMinutes(1), _ => true), ct);
        if (claimed.Count != 1 || claimed[0].Id != job) throw new BackupRefusedException("on the restored copy, the probe job was submitted but not claimed.");
        if (await store.Jobs.MarkStartedAsync(tenant, job, agent, claimed[0].Attempt, ct) != AttemptWriteResult.Ok)
            throw new BackupRefusedException("on the restored copy, the probe job could not be started.");
        var (result, _) = await store.Jobs.CompleteAttemptAsync(new AttemptCompletion(tenant, job, agent, claimed[0].Attempt, JobOutcome.Succeeded, 0,
            JsonSerializer.SerializeToElement(new { ok = true }), null), ct);
        var ended = await store.Jobs.GetAsync(tenant, job, ct);
        if (result != AttemptWriteResult.Ok || ended?.State != JobState.Succeeded)
            throw new BackupRefusedException($"on the restored copy, the probe job ended {ended?.State.ToString() ?? "missing"}, not succeeded.");
        return $"a job ran the whole way on the restored copy (tenant, agent, submit, claim, start, complete){(applied.Count > 0 ? $" after migrating it to schema {applied.Max()}" : "")}";
    }
}
