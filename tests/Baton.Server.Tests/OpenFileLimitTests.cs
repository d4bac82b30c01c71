using Baton.Server.Hosting;

namespace Baton.Server.Tests;

/// <summary>
/// RLIMIT_NOFILE through libc getrlimit/setrlimit on this very process. Every server a test starts raises the soft
/// limit too (<see cref="BatonServer"/>), so these run alone: one started between this test's lowering and raising
/// of the limit had raised it already (CI, December 6).
/// </summary>
[Collection(OpenFileLimitAlone.Name)]
public sealed class OpenFileLimitTests
{
    [Fact]
    public void Raising_a_lowered_soft_limit_brings_it_to_the_hard_limit_once()
    {
        Assert.True(OperatingSystem.IsLinux(), "These tests run on Linux, where the limit is managed.");
        var hard = OpenFileLimit.Read()!.Value.Hard;
        // Lowered a little, so tests running alongside keep plenty of descriptors.
        OpenFileLimit.SetSoft(hard - 16);
        Assert.Equal(new FileDescriptorLimits(hard - 16, hard), OpenFileLimit.Read());

        var raised = OpenFileLimit.RaiseSoftToHard();

        Assert.Equal(new FileDescriptorLimits(hard - 16, hard), raised);
        Assert.Equal(new FileDescriptorLimits(hard, hard), OpenFileLimit.Read());
        Assert.Null(OpenFileLimit.RaiseSoftToHard());
    }

    [Theory]
    [InlineData(20_000UL, 17_500L)]
    [InlineData(1_024UL, 768L)]
    [InlineData(1_048_576UL, 1_044_480L)]
    [InlineData(100UL, 64L)]
    public void The_connection_budget_leaves_a_reserve_of_the_open_file_limit(ulong soft, long expected) =>
        Assert.Equal(expected, ConnectionBudget.For(new FileDescriptorLimits(soft, soft)));

    [Fact]
    public void Without_known_limits_there_is_no_connection_budget() => Assert.Null(ConnectionBudget.For(null));
}

/// <summary>The open-file limit tests, alone after the parallel tests (no server starts meanwhile).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenFileLimitAlone
{
    public const string Name = "The process's open-file limit";
}
