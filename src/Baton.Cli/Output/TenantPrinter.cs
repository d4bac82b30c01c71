using Baton.Core.Api;

namespace Baton.Cli.Output;

/// <summary>A tenant for people: identity, then one row per quota with its usage and whether it is overridden.</summary>
public static class TenantPrinter
{
    public static void Print(CliContext context, TenantDto tenant)
    {
        context.Console.Write(Tables.Details(
        [
            ("Id", tenant.Id),
            ("Name", tenant.Name),
            ("Tier", tenant.Tier),
            ("Created", Humanize.Timestamp(tenant.CreatedAt, context.Zone)),
        ]));
        PrintQuotas(context, tenant);
    }

    public static void PrintQuotas(CliContext context, TenantDto tenant)
    {
        var q = tenant.Quotas;
        var o = tenant.Overrides;
        var u = tenant.Usage;
        var table = Tables.Create("QUOTA", "LIMIT", "USED", "SOURCE");
        table.AddTextRow("agents", q.Agents.ToString(), u?.Agents.ToString(), Source(o.Agents));
        table.AddTextRow("concurrent jobs", q.ConcurrentJobs.ToString(), u is null ? null : $"{u.ConcurrentJobs} (+{u.PendingJobs} pending)", Source(o.ConcurrentJobs));
        table.AddTextRow("schedules", q.Schedules.ToString(), null, Source(o.Schedules));
        table.AddTextRow("queues", q.Queues.ToString(), null, Source(o.Queues));
        table.AddTextRow("storage", $"{q.StorageGb:0.##} GB", u is null ? null : Humanize.Bytes(u.StorageBytes), Source(o.StorageGb));
        table.AddTextRow("api calls/day", q.ApiCallsPerDay.ToString(), u?.ApiCallsToday.ToString(), Source(o.ApiCallsPerDay));
        table.AddTextRow("pending jobs", q.PendingJobs.ToString(), u?.PendingJobs.ToString(), Source(o.PendingJobs));
        table.AddTextRow("shared-pool weight", q.SharedPoolWeight.ToString(), null, Source(o.SharedPoolWeight));
        context.Console.Write(table);
    }

    private static string Source<T>(T? overridden) where T : struct => overridden is null ? "tier" : "override";
}
