using System.Text.Json;
using Baton.Core.Scheduling;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Schedule records for the contract tests.</summary>
public static class ScheduleSamples
{
    public static ScheduleRecord NewSchedule(string tenantId, string name, DateTimeOffset now, DateTimeOffset? nextFireAt = null, string? id = null) => new()
    {
        TenantId = tenantId,
        Id = id ?? "sch_" + name,
        Name = name,
        Cron = "*/2 * * * * *",
        TimeZone = "Europe/Berlin",
        PackageName = "hello",
        PackageVersion = null,
        Inputs = JsonDocument.Parse("""{"name":"Ada"}""").RootElement.Clone(),
        Queue = QueueRecord.DefaultName,
        Priority = 3,
        CalendarName = null,
        CalendarMode = CalendarMode.None,
        Concurrency = ConcurrencyPolicy.QueueOne,
        Misfire = MisfirePolicy.CatchUp,
        CatchUpWindow = TimeSpan.FromMinutes(10),
        NextFireAt = nextFireAt ?? now.AddSeconds(2),
        CreatedAt = now,
        UpdatedAt = now,
    };
}
