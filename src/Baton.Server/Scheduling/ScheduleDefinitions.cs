using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Scheduling;
using Baton.Server.Jobs;
using Baton.Server.Packages;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Scheduling;

/// <summary>
/// Turns schedule requests into records: every field checked with a reason naming it, the package,
/// queue and calendar looked up in the caller's tenant, and the next fire computed with the calendar.
/// </summary>
public sealed class ScheduleDefinitions(IBatonStore store, ScheduleTimelines timelines, Tenancy.TenantDirectory tenants, TimeProvider time)
{
    public static readonly TimeSpan MaxCatchUpWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultCatchUpWindow = TimeSpan.FromHours(1);
    public const int MaxAutoPauseAfter = 1000;

    public async Task<(ScheduleRecord? Schedule, List<(string Field, string Message)> Errors)> FromCreateAsync(
        string tenantId, string id, CreateScheduleRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var draft = new ScheduleRecord
        {
            TenantId = tenantId,
            Id = id,
            Name = request.Name?.Trim() ?? "",
            Cron = request.Cron?.Trim() ?? "",
            TimeZone = string.IsNullOrWhiteSpace(request.TimeZone) ? TimeZones.Utc : request.TimeZone.Trim(),
            PackageName = request.Package?.Trim() ?? "",
            Inputs = JsonSerializer.SerializeToElement(request.Inputs ?? []),
            CreatedAt = now,
            UpdatedAt = now,
            Paused = request.Paused == true,
            PauseReason = request.Paused == true ? "created paused" : null,
        };
        var errors = new List<(string Field, string Message)>();
        var changes = new UpdateScheduleRequest(
            null, null, null, null, request.Version, null, request.Queue ?? QueueRecord.DefaultName, request.Priority ?? 0, request.Calendar,
            request.CalendarMode, request.ConcurrencyPolicy, request.MisfirePolicy, request.CatchUpWindow, request.AutoPauseAfter ?? ScheduleRecord.DefaultAutoPauseAfter);
        var schedule = await ApplyAsync(draft, changes, errors, ct);
        return (errors.Count == 0 ? schedule : null, errors);
    }

    public async Task<(ScheduleRecord? Schedule, List<(string Field, string Message)> Errors)> FromUpdateAsync(
        ScheduleRecord current, UpdateScheduleRequest request, CancellationToken ct)
    {
        var draft = current with
        {
            Name = request.Name?.Trim() ?? current.Name,
            Cron = request.Cron?.Trim() ?? current.Cron,
            TimeZone = request.TimeZone?.Trim() ?? current.TimeZone,
            PackageName = request.Package?.Trim() ?? current.PackageName,
            Inputs = request.Inputs is null ? current.Inputs : JsonSerializer.SerializeToElement(request.Inputs),
            UpdatedAt = time.GetUtcNow(),
        };
        var errors = new List<(string Field, string Message)>();
        var schedule = await ApplyAsync(draft, request, errors, ct);
        return (errors.Count == 0 ? schedule : null, errors);
    }

    /// <summary>The schedule with its next fire computed from now (creation, a change of timing, a resume).</summary>
    public async Task<ScheduleRecord> WithNextFireAsync(ScheduleRecord schedule, CancellationToken ct) =>
        schedule with { NextFireAt = (await timelines.ForAsync(schedule, ct)).NextAfter(time.GetUtcNow()), QueuedFireAt = null };

    private async Task CheckInputsAsync(ScheduleRecord draft, Core.Packages.PackageManifest manifest, List<(string Field, string Message)> errors, CancellationToken ct)
    {
        var inputs = draft.Inputs.ValueKind == JsonValueKind.Object
            ? draft.Inputs.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal)
            : [];
        var binding = Core.Packages.InputBinder.Bind(manifest, inputs);
        errors.AddRange(binding.Errors.Select(e => (e.Field, e.Message)));
        if (binding.IsValid && await tenants.GetAsync(draft.TenantId, ct) is { } tenant && JobInputLimit.Check(binding.Inputs, tenant.Quotas) is { } tooLarge)
        {
            errors.Add(("inputs", tooLarge));
        }
    }

    private async Task<ScheduleRecord> ApplyAsync(ScheduleRecord draft, UpdateScheduleRequest changes, List<(string Field, string Message)> errors, CancellationToken ct)
    {
        if (!CalendarNames.IsValid(draft.Name)) errors.Add(("name", $"'{draft.Name}' is not a valid schedule name: {CalendarNames.Rule}"));
        if (!CronSchedule.TryParse(draft.Cron, draft.TimeZone, out var cron, out var cronReason))
        {
            errors.Add((cronReason!.StartsWith("time zone", StringComparison.Ordinal) ? "timeZone" : "cron", cronReason));
        }

        var version = changes.Version is null ? draft.PackageVersion : changes.Version.Trim() is "" or "latest" ? null : changes.Version.Trim();
        if (version is not null) version = PackageVersions.Normalise(version) ?? version;
        var resolved = draft.PackageName.Length == 0 ? null
            : version is null ? PackageVersions.Latest(await store.Packages.ListVersionsAsync(draft.TenantId, draft.PackageName, ct))
            : await store.Packages.GetVersionAsync(draft.TenantId, draft.PackageName, version, ct);
        if (draft.PackageName.Length == 0) errors.Add(("package", "is required"));
        else if (resolved is null)
        {
            errors.Add(("package", version is null ? $"package '{draft.PackageName}' has no versions" : $"package '{draft.PackageName}' has no version {version}"));
        }
        else
        {
            // Every fire submits these inputs: check them now, as a submission would, against the version a fire
            // would use today (a later "latest" may still refuse them; the fire then fails with the reason).
            await CheckInputsAsync(draft, resolved.Manifest, errors, ct);
        }

        var queue = changes.Queue?.Trim() ?? draft.Queue;
        if (await store.Queues.GetAsync(draft.TenantId, queue, ct) is null) errors.Add(("queue", $"queue '{queue}' does not exist"));
        var priority = changes.Priority ?? draft.Priority;
        if (priority is < JobSubmissionService.MinPriority or > JobSubmissionService.MaxPriority)
        {
            errors.Add(("priority", $"must be between {JobSubmissionService.MinPriority} and {JobSubmissionService.MaxPriority}"));
        }

        var calendarName = changes.Calendar is null ? draft.CalendarName : changes.Calendar.Trim() is "" ? null : changes.Calendar.Trim();
        var mode = draft.CalendarMode;
        if (changes.CalendarMode is not null && !CalendarModes.TryParse(changes.CalendarMode, out mode))
        {
            errors.Add(("calendarMode", $"'{changes.CalendarMode}' is not one of {CalendarModes.Allowed}"));
        }
        if (calendarName is null) mode = CalendarMode.None;
        else if (changes.CalendarMode is null && mode == CalendarMode.None) mode = CalendarMode.BusinessDaysOnly;
        if (calendarName is not null && await store.Calendars.GetAsync(draft.TenantId, calendarName, ct) is null)
        {
            errors.Add(("calendar", $"calendar '{calendarName}' does not exist"));
        }

        var concurrency = draft.Concurrency;
        if (changes.ConcurrencyPolicy is not null && !ConcurrencyPolicies.TryParse(changes.ConcurrencyPolicy, out concurrency))
        {
            errors.Add(("concurrencyPolicy", $"'{changes.ConcurrencyPolicy}' is not one of {ConcurrencyPolicies.Allowed}"));
        }
        var misfire = draft.Misfire;
        if (changes.MisfirePolicy is not null && !MisfirePolicies.TryParse(changes.MisfirePolicy, out misfire))
        {
            errors.Add(("misfirePolicy", $"'{changes.MisfirePolicy}' is not one of {MisfirePolicies.Allowed}"));
        }
        var window = draft.CatchUpWindow;
        if (changes.CatchUpWindow is not null && (!ScheduleDurations.TryParse(changes.CatchUpWindow, out window) || window > MaxCatchUpWindow))
        {
            errors.Add(("catchUpWindow", $"'{changes.CatchUpWindow}' is not a duration up to 7 days (PT1H, 30m, 1d)"));
        }
        if (misfire == MisfirePolicy.CatchUp && window == TimeSpan.Zero) window = DefaultCatchUpWindow;
        var autoPauseAfter = changes.AutoPauseAfter ?? draft.AutoPauseAfter;
        if (autoPauseAfter is < 0 or > MaxAutoPauseAfter) errors.Add(("autoPauseAfter", $"must be between 0 (never) and {MaxAutoPauseAfter}"));

        var schedule = draft with
        {
            PackageVersion = version,
            Queue = queue,
            Priority = priority,
            CalendarName = calendarName,
            CalendarMode = mode,
            Concurrency = concurrency,
            Misfire = misfire,
            CatchUpWindow = window,
            AutoPauseAfter = autoPauseAfter,
        };
        if (errors.Count == 0 && cron is not null && (await timelines.ForAsync(schedule, ct)).NextAfter(time.GetUtcNow()) is null)
        {
            errors.Add(("cron", $"'{draft.Cron}' never fires in the next five years (with its calendar)"));
        }
        return schedule;
    }
}
