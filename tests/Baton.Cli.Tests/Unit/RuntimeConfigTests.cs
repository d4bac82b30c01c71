using System.Text.Json;

namespace Baton.Cli.Tests.Unit;

/// <summary>
/// The runtime settings of the <c>baton</c> process (server and agent alike), read from the runtimeconfig.json the build writes
/// next to baton.dll: on a small machine the JIT's instrumented tier and idle thread-pool spinning cost more CPU per job than
/// the work itself (see Baton.Cli.csproj).
/// </summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "baton.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Tiered_PGO_is_off()
    {
        Assert.False(ConfigProperties().GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    [Fact]
    public void Idle_thread_pool_workers_sleep_without_spinning()
    {
        Assert.Equal(0, ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
