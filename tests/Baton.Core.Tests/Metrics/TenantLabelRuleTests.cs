using Baton.Core.Metrics;

namespace Baton.Core.Tests.Metrics;

public sealed class TenantLabelRuleTests
{
    [Fact]
    public void The_most_active_tenants_keep_their_name_up_to_the_limit()
    {
        var chosen = TenantLabelRule.Choose(
            [new TenantActivity("small", 1), new TenantActivity("big", 500), new TenantActivity("mid", 20), new TenantActivity("idle", 0)], limit: 2);

        Assert.Equal(["big", "mid"], chosen);
    }

    [Fact]
    public void Ties_are_broken_by_name_so_every_replica_picks_the_same_tenants()
    {
        var tenants = Enumerable.Range(0, 50).Select(i => new TenantActivity($"t{i:00}", 7)).ToList();
        var once = TenantLabelRule.Choose(tenants, 5);
        var shuffled = TenantLabelRule.Choose(tenants.OrderBy(t => t.Name.GetHashCode(StringComparison.Ordinal)).ToList(), 5);

        Assert.Equal(["t00", "t01", "t02", "t03", "t04"], once);
        Assert.Equal(once, shuffled);
    }

    [Fact]
    public void Ten_thousand_tenants_still_give_at_most_the_limit_and_idle_ones_none()
    {
        var tenants = Enumerable.Range(0, 10_000).Select(i => new TenantActivity($"tenant-{i}", i % 3)).ToList();

        Assert.Equal(20, TenantLabelRule.Choose(tenants, 20).Count);
        Assert.Empty(TenantLabelRule.Choose([new TenantActivity("idle", 0)], 20));
        Assert.Empty(TenantLabelRule.Choose(tenants, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TenantLabelRule.Choose(tenants, -1));
    }
}
