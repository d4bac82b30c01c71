using Baton.Core.Api;
using Baton.Core.Jobs;

namespace Baton.EndToEnd.Tests.Support;

/// <summary>What the API tells about one job at the end of a run: its state (null when the job is unknown) and its events.</summary>
public sealed record ObservedJob(string Id, string? State, string? AgentId, IReadOnlyList<JobEventDto> Events);

/// <summary>The verdict of <see cref="QueueChecker"/>: the job ids in each failure class (a clean run has all four empty).</summary>
public sealed record QueueCheck(
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Duplicated,
    IReadOnlyList<string> Stuck,
    IReadOnlyList<string> Orphaned,
    IReadOnlyList<string> NotSucceeded)
{
    public bool Clean => Lost.Count == 0 && Duplicated.Count == 0 && Stuck.Count == 0 && Orphaned.Count == 0;

    public override string ToString() =>
        $"lost {Lost.Count}, duplicated {Duplicated.Count}, stuck {Stuck.Count}, orphaned {Orphaned.Count}, not succeeded {NotSucceeded.Count}"
        + Sample("lost", Lost) + Sample("duplicated", Duplicated) + Sample("stuck", Stuck) + Sample("orphaned", Orphaned) + Sample("not succeeded", NotSucceeded);

    private static string Sample(string label, IReadOnlyList<string> ids) =>
        ids.Count == 0 ? "" : $"; {label}: {string.Join(", ", ids.Take(5))}{(ids.Count > 5 ? ", …" : "")}";
}

/// <summary>
/// A queue checker in the spirit of Jepsen's: from the submissions the server acknowledged and what the API reports
/// afterwards, counts
/// lost (acknowledged, but the server does not know the job),
/// duplicated (the job ended more than once: two terminal events, e.g. succeeded in two attempts),
/// orphaned (still assigned/running on an agent that is not online, so nobody will finish it) and
/// stuck (not ended for any other reason).
/// It runs after the faults stop and a grace period covering lease expiry, so anything not ended is a fault of the queue.
/// Running a job's code more than once after its lease moved is allowed (at-least-once execution); ending it twice is not.
/// </summary>
public static class QueueChecker
{
    public static QueueCheck Check(IEnumerable<string> acknowledged, IReadOnlyDictionary<string, ObservedJob> observed, IReadOnlySet<string> onlineAgents)
    {
        List<string> lost = [], duplicated = [], stuck = [], orphaned = [], notSucceeded = [];
        foreach (var id in acknowledged.Distinct())
        {
            if (!observed.TryGetValue(id, out var job) || job.State is null)
            {
                lost.Add(id);
                continue;
            }
            var endings = job.Events.Count(e => JobStates.TryParse(e.Type, out var state) && state.IsTerminal());
            if (endings > 1) duplicated.Add(id);
            var state = JobStates.Parse(job.State);
            if (state.IsActive() && (job.AgentId is null || !onlineAgents.Contains(job.AgentId))) orphaned.Add(id);
            else if (!state.IsTerminal()) stuck.Add(id);
            if (state != JobState.Succeeded) notSucceeded.Add(id);
        }
        return new QueueCheck(lost, duplicated, stuck, orphaned, notSucceeded);
    }
}
