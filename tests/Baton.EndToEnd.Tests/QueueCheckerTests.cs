using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

/// <summary>The fault-storm checker on hand-made histories: each failure class is caught, and a clean history passes.</summary>
public sealed class QueueCheckerTests
{
    private static readonly IReadOnlySet<string> Online = new HashSet<string> { "agent-live" };

    private static JobEventDto Event(string type, int attempt, string? agent = null) => new(0, DateTimeOffset.UnixEpoch, type, attempt, agent, null);

    private static ObservedJob Job(string id, string? state, string? agent, params JobEventDto[] events) => new(id, state, agent, events);

    private static Dictionary<string, ObservedJob> Of(params ObservedJob[] jobs) => jobs.ToDictionary(j => j.Id);

    [Fact]
    public void A_history_where_every_job_ended_once_is_clean_even_if_a_lease_moved()
    {
        var check = QueueChecker.Check(["j1", "j2"], Of(
            Job("j1", "succeeded", "agent-live", Event("submitted", 0), Event("assigned", 1, "agent-live"), Event("succeeded", 1, "agent-live")),
            Job("j2", "succeeded", "agent-live", Event("submitted", 0), Event("assigned", 1, "agent-dead"), Event("lease_expired", 1, "agent-dead"),
                Event("assigned", 2, "agent-live"), Event("succeeded", 2, "agent-live"))), Online);

        Assert.True(check.Clean, check.ToString());
        Assert.Empty(check.NotSucceeded);
    }

    [Fact]
    public void An_acknowledged_job_the_server_does_not_know_is_lost()
    {
        var check = QueueChecker.Check(["j1", "gone", "null-state"], Of(
            Job("j1", "succeeded", "agent-live", Event("succeeded", 1)), Job("null-state", null, null)), Online);

        Assert.Equal(["gone", "null-state"], check.Lost);
        Assert.False(check.Clean);
    }

    [Fact]
    public void A_job_that_succeeded_in_two_attempts_or_ended_twice_is_duplicated()
    {
        var check = QueueChecker.Check(["twice", "then-failed"], Of(
            Job("twice", "succeeded", "agent-live", Event("succeeded", 1), Event("lease_expired", 1), Event("succeeded", 2)),
            Job("then-failed", "failed", "agent-live", Event("succeeded", 1), Event("failed", 1))), Online);

        Assert.Equal(["twice", "then-failed"], check.Duplicated);
        Assert.Equal(["then-failed"], check.NotSucceeded);
    }

    [Fact]
    public void A_job_held_by_a_dead_agent_is_orphaned_and_a_waiting_one_is_stuck()
    {
        var check = QueueChecker.Check(["dead-agent", "no-agent", "pending", "live-running"], Of(
            Job("dead-agent", "running", "agent-dead", Event("assigned", 1, "agent-dead")),
            Job("no-agent", "assigned", null),
            Job("pending", "pending", null, Event("submitted", 0)),
            Job("live-running", "running", "agent-live", Event("assigned", 1, "agent-live"))), Online);

        Assert.Equal(["dead-agent", "no-agent"], check.Orphaned);
        Assert.Equal(["pending", "live-running"], check.Stuck);
        Assert.Equal(4, check.NotSucceeded.Count);
        Assert.Empty(check.Lost);
    }

    [Fact]
    public void Each_acknowledgement_is_counted_once()
    {
        var check = QueueChecker.Check(["j1", "j1"], Of(), Online);

        Assert.Equal(["j1"], check.Lost);
    }
}
