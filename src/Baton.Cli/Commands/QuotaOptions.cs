using System.CommandLine;
using Baton.Core.Tenancy;

namespace Baton.Cli.Commands;

/// <summary>The <c>--tier</c> and per-quota override flags of <c>tenant create</c> and <c>tenant update</c>.</summary>
public sealed class QuotaOptions
{
    public Option<string?> Tier { get; } = new("--tier", "-t") { Description = "free, standard, professional or enterprise" };
    public Option<int?> Agents { get; } = new("--agents") { Description = "Override: max registered agents" };
    public Option<int?> ConcurrentJobs { get; } = new("--concurrent-jobs") { Description = "Override: max jobs running at once (extra jobs wait)" };
    public Option<int?> Schedules { get; } = new("--schedules") { Description = "Override: max schedules" };
    public Option<int?> Queues { get; } = new("--queues") { Description = "Override: max queues" };
    public Option<double?> StorageGb { get; } = new("--storage-gb") { Description = "Override: package and artifact storage, in GB" };
    public Option<int?> ApiCallsPerDay { get; } = new("--api-calls-per-day") { Description = "Override: API calls per day before 429" };
    public Option<int?> PendingJobs { get; } = new("--pending-jobs") { Description = "Override: max pending jobs before submissions get 429" };
    public Option<int?> SharedWeight { get; } = new("--shared-weight") { Description = "Override: weight on the shared agent pool (0 opts out; tier default 1/2/4/8)" };

    public QuotaOptions()
    {
        Tier.AcceptOnlyFromAmong(Enum.GetValues<Tier>().Select(t => t.ToText()).ToArray());
        foreach (var option in new Option[] { Agents, ConcurrentJobs, Schedules, Queues, ApiCallsPerDay, PendingJobs, SharedWeight })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int?>() is < 0) result.AddError($"{result.Option.Name} must be zero or more.");
            });
        }
        StorageGb.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } gb && (gb < 0 || double.IsNaN(gb) || double.IsInfinity(gb)))
                result.AddError("--storage-gb must be zero or more.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Tier);
        command.Options.Add(Agents);
        command.Options.Add(ConcurrentJobs);
        command.Options.Add(Schedules);
        command.Options.Add(Queues);
        command.Options.Add(StorageGb);
        command.Options.Add(ApiCallsPerDay);
        command.Options.Add(PendingJobs);
        command.Options.Add(SharedWeight);
    }

    /// <summary>The overrides given on the command line, or null when none was.</summary>
    public QuotaOverrides? ReadOverrides(ParseResult parse)
    {
        var overrides = new QuotaOverrides(
            parse.GetValue(Agents),
            parse.GetValue(ConcurrentJobs),
            parse.GetValue(Schedules),
            parse.GetValue(Queues),
            parse.GetValue(StorageGb),
            parse.GetValue(ApiCallsPerDay),
            parse.GetValue(PendingJobs),
            parse.GetValue(SharedWeight));
        return overrides.IsEmpty ? null : overrides;
    }
}
