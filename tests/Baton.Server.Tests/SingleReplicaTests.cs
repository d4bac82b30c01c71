using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class SingleReplicaTests
{
    [Fact]
    public async Task A_second_server_on_the_same_sqlite_data_refuses_to_start_with_a_clear_message()
    {
        await using var first = await new ServerHarness().StartAsync();
        await using var second = new ServerHarness(first.DataDirectory);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
        Assert.Contains("Another Baton server is already running", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);

        // The first one is unharmed.
        using var client = first.Client();
        (await client.GetAsync("/readyz")).EnsureSuccessStatusCode();
    }
}
