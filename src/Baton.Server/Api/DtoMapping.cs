using Baton.Core.Api;
using Baton.Core.Dispatch;
using Baton.Core.Auth;
using Baton.Core.Jobs;
using Baton.Core.Scheduling;
using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Server.Api;

public static class DtoMapping
{
    public static TenantDto ToDto(this TenantRecord t, TenantUsageDto? usage = null) =>
        new(t.Id, t.Name, t.Tier.ToText(), t.Quotas, t.Overrides, t.CreatedAt, usage);

    public static ApiKeyDto ToDto(this ApiKeyRecord k) =>
        new(k.Id, k.Name, k.Role.ToText(), k.IsSystemAdmin, k.CreatedAt, k.RevokedAt, k.LastUsedAt);

    public static EnrollmentTokenDto ToDto(this EnrollmentTokenRecord t) =>
        new(t.Id, t.Name, t.CreatedAt, t.ExpiresAt, t.RevokedAt);

    public static PackageVersionDto ToDto(this PackageVersionRecord p) =>
        new(p.Name, p.Version, p.Sha256, p.SizeBytes, p.Manifest, p.CreatedAt);

    public static AgentDto ToDto(this AgentRecord a, int runningJobs) => new(
        a.Id, a.Name, a.State == AgentState.Online ? "online" : "offline",
        a.Capabilities.Os, a.Capabilities.Arch, a.Capabilities.Pythons, a.Capabilities.Labels,
        a.Slots, runningJobs, a.Resources, a.Version, a.RegisteredAt, a.LastHeartbeatAt, a.Group);

    public static JobDto ToDto(this JobRecord j) => new(
        j.Id, j.PackageName, j.PackageVersion, j.State.ToText(), j.Attempt, j.MaxAttempts, j.Priority,
        j.TimeoutSeconds, j.Requirements, j.Inputs, j.AgentId, j.SubmittedAt, j.AssignedAt, j.StartedAt,
        j.FinishedAt, j.NotBefore, j.Result, j.Error, j.ExitCode, j.CancelRequested,
        ProgressOf(j), j.Queue,
        j.CpuMillicores > 0 ? CpuAmount.ToCores(j.CpuMillicores) : null, j.MemoryMb > 0 ? j.MemoryMb : null,
        j.InputsOmitted, j.ResultOmitted);

    /// <summary>A finished job shows no stale "47 %": 100 % (with the last message) when it succeeded, nothing otherwise.</summary>
    private static JobProgressDto? ProgressOf(JobRecord j) => j.Progress switch
    {
        null => null,
        var p when j.State == JobState.Succeeded => new JobProgressDto(100, p.Message),
        _ when j.State.IsTerminal() => null,
        var p => new JobProgressDto(p.Percent, p.Message),
    };

    public static QueueDto ToDto(this QueueRecord q) =>
        new(q.Name, q.Priority, q.MaxConcurrency, q.Paused, q.CreatedAt, q.AgentGroups, q.ReservedSlots, q.ReservedMinPriority);

    public static ScheduleDto ToDto(this ScheduleRecord s) => new(
        s.Id, s.Name, s.Cron, s.TimeZone, s.PackageName, s.PackageVersion, s.Inputs, s.Queue, s.Priority, s.CalendarName,
        s.CalendarMode.ToText(), s.Concurrency.ToText(), s.Misfire.ToText(), Scheduling.ScheduleDurations.ToIso(s.CatchUpWindow),
        s.Paused, s.PauseReason, s.ConsecutiveFailures, s.AutoPauseAfter, s.NextFireAt, s.LastFireAt, s.LastJobId, s.CreatedAt, s.UpdatedAt);

    public static CalendarDto ToDto(this CalendarRecord c) =>
        new(c.Name, Weekdays.ToText(c.WorkingDays), c.Holidays, c.TimeZone, c.CreatedAt, c.UpdatedAt);

    public static LogLineDto ToDto(this LogLineRecord l) => new(l.Seq, l.Attempt, l.At, l.Stream, l.Text);

    public static JobEventDto ToDto(this JobEventRecord e) => new(e.Id, e.At, e.Type, e.Attempt, e.AgentId, e.Message);

    public static WhoAmIDto ToWhoAmI(this TenantRecord tenant, ApiRole role, bool systemAdmin, string? keyId) =>
        new(tenant.Id, tenant.Name, role.ToText(), systemAdmin, keyId);
}
