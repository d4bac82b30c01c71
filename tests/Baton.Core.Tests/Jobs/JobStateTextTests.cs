using Baton.Core.Jobs;

namespace Baton.Core.Tests.Jobs;

public sealed class JobStateTextTests
{
    [Theory]
    [InlineData(JobState.Pending, "pending")]
    [InlineData(JobState.Assigned, "assigned")]
    [InlineData(JobState.Running, "running")]
    [InlineData(JobState.Succeeded, "succeeded")]
    [InlineData(JobState.Failed, "failed")]
    [InlineData(JobState.Cancelled, "cancelled")]
    [InlineData(JobState.TimedOut, "timed_out")]
    public void Every_state_has_stable_text_that_parses_back(JobState state, string text)
    {
        Assert.Equal(text, state.ToText());
        Assert.True(JobStates.TryParse(text, out var parsed));
        Assert.Equal(state, parsed);
        Assert.Equal(state, JobStates.Parse(text));
    }

    [Fact]
    public void All_lists_every_state_and_each_round_trips()
    {
        Assert.Equal(Enum.GetValues<JobState>(), JobStates.All);
        Assert.All(JobStates.All, s => Assert.Equal(s, JobStates.Parse(s.ToText())));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Pending")]
    [InlineData("timedout")]
    [InlineData(" running")]
    public void Unknown_state_text_is_refused(string? text)
    {
        Assert.False(JobStates.TryParse(text, out _));
        if (text is not null) Assert.Throws<FormatException>(() => JobStates.Parse(text));
    }

    [Fact]
    public void Terminal_and_active_states_are_classified()
    {
        Assert.Equal([JobState.Succeeded, JobState.Failed, JobState.Cancelled, JobState.TimedOut], JobStates.All.Where(s => s.IsTerminal()));
        Assert.Equal([JobState.Assigned, JobState.Running], JobStates.All.Where(s => s.IsActive()));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((JobState)99).ToText());
    }

    [Theory]
    [InlineData(JobOutcome.Succeeded, "succeeded", JobState.Succeeded)]
    [InlineData(JobOutcome.Failed, "failed", JobState.Failed)]
    [InlineData(JobOutcome.TimedOut, "timed_out", JobState.TimedOut)]
    [InlineData(JobOutcome.Cancelled, "cancelled", JobState.Cancelled)]
    public void Outcomes_round_trip_and_map_to_their_final_state(JobOutcome outcome, string text, JobState finalState)
    {
        Assert.Equal(text, outcome.ToText());
        Assert.True(JobOutcomes.TryParse(text, out var parsed));
        Assert.Equal(outcome, parsed);
        Assert.Equal(finalState, outcome.ToFinalState());
        Assert.True(finalState.IsTerminal());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pending")]
    [InlineData("SUCCEEDED")]
    public void Unknown_outcome_text_is_refused(string? text) => Assert.False(JobOutcomes.TryParse(text, out _));
}
