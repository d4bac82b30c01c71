using Baton.Server.Hosting;

namespace Baton.Server.Tests;

/// <summary>RLIMIT_NOFILE through libc getrlimit/setrlimit on this very process.</summary>
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
}
