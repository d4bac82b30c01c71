using Baton.Core.Dispatch.FairShare;

namespace Baton.Core.Tests.Dispatch.FairShare;

public sealed class FairShareQueueTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static FairShareJob Job(string id, int priority = 0, double ageSeconds = 0) => new(id, priority, T0.AddSeconds(-ageSeconds));

    [Fact]
    public void At_equal_priority_the_tenant_with_the_lowest_usage_over_weight_goes_first()
    {
        var queue = new FairShareQueue(
        [
            new FairShareTenant("a", Weight: 2, UsedAgentSeconds: 100, ActiveJobs: 0, ConcurrencyLimit: 10, [Job("a1", ageSeconds: 60)]),
            new FairShareTenant("b", Weight: 1, UsedAgentSeconds: 40, ActiveJobs: 0, ConcurrencyLimit: 10, [Job("b1")]),
        ], chargePerPick: 1);

        Assert.True(queue.TryPick(out var pick));
        Assert.Equal("b", pick.TenantId); // 40/1 < 100/2
    }

    [Fact]
    public void Priority_comes_before_fair_share_and_age_breaks_ties()
    {
        var queue = new FairShareQueue(
        [
            new FairShareTenant("rich", 1, 1_000, 0, 10, [Job("r1", priority: 5)]),
            new FairShareTenant("old", 1, 0, 0, 10, [Job("o1", ageSeconds: 30)]),
            new FairShareTenant("new", 1, 0, 0, 10, [Job("n1", ageSeconds: 1)]),
        ], chargePerPick: 0);

        Assert.Equal(["r1", "o1", "n1"], queue.PickMany(3).Select(p => p.Job.JobId));
    }

    [Fact]
    public void Picks_in_one_decision_are_charged_so_they_spread_across_tenants()
    {
        var queue = new FairShareQueue(
        [
            new FairShareTenant("a", 1, 0, 0, 10, [Job("a1"), Job("a2"), Job("a3")]),
            new FairShareTenant("b", 1, 0, 0, 10, [Job("b1", ageSeconds: -1), Job("b2"), Job("b3")]),
        ], chargePerPick: 1);

        Assert.Equal(["a", "b", "a", "b"], queue.PickMany(4).Select(p => p.TenantId));
        Assert.Equal(2, queue.UsedAgentSeconds("a"));
    }

    [Fact]
    public void Weight_zero_is_never_served_and_an_excluded_tenant_is_skipped()
    {
        var queue = new FairShareQueue(
        [
            new FairShareTenant("out", 0, 0, 0, 10, [Job("o1", priority: 100)]),
            new FairShareTenant("a", 1, 0, 0, 10, [Job("a1"), Job("a2")]),
            new FairShareTenant("b", 1, 5, 0, 10, [Job("b1")]),
        ], chargePerPick: 1);

        queue.Exclude("a");
        Assert.Equal(["b1"], queue.PickMany(5).Select(p => p.Job.JobId));
    }

    [Fact]
    public void Random_decisions_respect_caps_priorities_and_weights()
    {
        var random = new Random(4242);
        for (var round = 0; round < 2_000; round++)
        {
            var tenants = Enumerable.Range(0, random.Next(1, 7)).Select(t => new FairShareTenant(
                $"t{t}",
                random.Next(0, 5),
                random.NextDouble() * 500,
                random.Next(0, 6),
                random.Next(0, 10),
                [.. Enumerable.Range(0, random.Next(0, 12))
                    .Select(j => Job($"t{t}-{j}", priority: random.Next(-2, 3), ageSeconds: random.Next(0, 100)))
                    .OrderByDescending(j => j.Priority).ThenBy(j => j.SubmittedAt)]))
                .ToList();
            var slots = random.Next(1, 40);
            var picks = new FairShareQueue(tenants, chargePerPick: random.NextDouble() * 3).PickMany(slots);

            Assert.True(picks.Count <= slots);
            for (var i = 1; i < picks.Count; i++) Assert.True(picks[i].Job.Priority <= picks[i - 1].Job.Priority, "a lower priority was picked before a higher one");
            foreach (var tenant in tenants)
            {
                var taken = picks.Count(p => p.TenantId == tenant.TenantId);
                Assert.True(tenant.ActiveJobs + taken <= Math.Max(tenant.ConcurrencyLimit, tenant.ActiveJobs), "a cap was exceeded");
                if (tenant.Weight == 0) Assert.Equal(0, taken);
                var couldTakeMore = tenant.Weight > 0 && tenant.ActiveJobs + taken < tenant.ConcurrencyLimit && taken < tenant.Ready.Count;
                if (picks.Count < slots) Assert.False(couldTakeMore, "a slot was left empty while a tenant could run a job");
                // Nothing unpicked of an eligible tenant outranks the last pick.
                if (couldTakeMore && picks.Count > 0) Assert.True(tenant.Ready[taken].Priority <= picks[^1].Job.Priority);
            }
        }
    }
}
