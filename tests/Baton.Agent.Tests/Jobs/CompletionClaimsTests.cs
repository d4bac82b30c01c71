using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Core.AgentProtocol;

namespace Baton.Agent.Tests.Jobs;

/// <summary>When a completion may claim the agent's next work, and how many slots a poll may claim meanwhile.</summary>
public sealed class CompletionClaimsTests
{
    private const int Slots = 4;
    private int _held;
    private int _finishing;
    private readonly List<JobAssignment> _started = [];

    private CompletionClaims Claims() => new(Slots, () => (_held, _finishing), jobs =>
    {
        _started.AddRange(jobs);
        _held += jobs.Count;
    });

    private static JobAssignment Job(string id) =>
        new(id, 1, new PackageRef("p", "1.0.0", new string('a', 64), 1), "m:f", JsonDocument.Parse("{}").RootElement.Clone(), 60, null, null);

    [Fact]
    public void A_finishing_job_claims_its_own_slot_and_every_free_one()
    {
        var claims = Claims();
        (_held, _finishing) = (2, 1);

        var ticket = claims.TryBegin();

        Assert.Equal(3, ticket!.FreeSlots);
        Assert.Equal(3, claims.SlotsInFlight);
    }

    [Fact]
    public void No_completion_claims_while_a_poll_that_may_claim_is_in_flight()
    {
        var claims = Claims();
        (_held, _finishing) = (1, 0);
        Assert.Equal(3, claims.BeginPoll());
        _finishing = 1;

        Assert.Null(claims.TryBegin());

        claims.EndPoll();
        Assert.Equal(4, claims.TryBegin()!.FreeSlots);
    }

    [Fact]
    public void A_completion_claims_while_a_full_poll_is_in_flight_and_a_poll_claims_nothing_while_it_does()
    {
        var claims = Claims();
        (_held, _finishing) = (4, 0);
        Assert.Equal(0, claims.BeginPoll());
        _finishing = 1;

        var ticket = claims.TryBegin();
        Assert.Equal(1, ticket!.FreeSlots);
        claims.EndPoll();

        Assert.Equal(0, claims.BeginPoll());
        claims.EndPoll();
        claims.End(ticket, []);
        Assert.Equal(0, claims.SlotsInFlight);
    }

    [Fact]
    public void Two_completions_never_ask_for_the_same_slot()
    {
        var claims = Claims();
        (_held, _finishing) = (3, 1);
        var first = claims.TryBegin();
        _finishing = 2;

        var second = claims.TryBegin();

        // The first asked for its own slot and the free one; the second only for its own: one job runs, three slots asked for.
        Assert.Equal(2, first!.FreeSlots);
        Assert.Equal(1, second!.FreeSlots);
        Assert.Equal(3, claims.SlotsInFlight);
        _finishing = 3;
        Assert.Equal(1, claims.TryBegin()!.FreeSlots);
        Assert.Null(claims.TryBegin());
    }

    [Fact]
    public void Jobs_a_claim_was_given_start_before_its_slots_count_as_free_again()
    {
        var claims = Claims();
        (_held, _finishing) = (4, 1);
        var ticket = claims.TryBegin()!;

        claims.End(ticket, [Job("a")]);
        // The finished job leaves; the claimed one holds its slot.
        (_held, _finishing) = (_held - 1, 0);

        Assert.Equal(["a"], _started.Select(j => j.JobId));
        Assert.Equal(0, claims.SlotsInFlight);
        Assert.Equal(0, claims.BeginPoll());
    }
}
