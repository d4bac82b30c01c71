using Baton.Core.Dispatch;

namespace Baton.Core.Tests.Dispatch;

public sealed class JobChooserTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
    private static readonly string ShaA = new('a', 64);
    private static readonly string ShaB = new('b', 64);

    private static DispatchCandidate Job(string id, int priority = 0, int secondsAgo = 1, int cpu = 0, long memory = 0, string? sha = null, string queue = "default") =>
        new(id, queue, priority, priority, Now.AddSeconds(-secondsAgo), cpu, memory, sha ?? ShaA);

    private static ClaimLimits Limits(int slots = 10, int tenantFree = 100, int? cpu = null, long? memory = null,
        IEnumerable<string>? cached = null, params QueueLimits[] queues) => new(
        tenantFree,
        new AgentBudget(slots, "default", cpu, memory, (cached ?? []).ToHashSet()),
        queues.ToDictionary(q => q.Name),
        Now);

    private static IEnumerable<string> Choose(IReadOnlyList<DispatchCandidate> jobs, ClaimLimits limits) =>
        JobChooser.Choose(jobs, j => j, _ => true, limits).Select(j => j.Id);

    [Fact]
    public void Resources_are_spent_job_by_job_and_a_job_that_does_not_fit_is_passed_over()
    {
        var jobs = new[] { Job("a", cpu: 2000, secondsAgo: 4), Job("big", cpu: 3000, secondsAgo: 3), Job("b", cpu: 2000, secondsAgo: 2), Job("c", cpu: 500, secondsAgo: 1) };
        Assert.Equal(["a", "b"], Choose(jobs, Limits(cpu: 4000)));
        // 3.5 CPU: a (2) leaves 1.5, so big (3) and b (2) are passed over and c (0.5) still fits.
        Assert.Equal(["a", "c"], Choose(jobs, Limits(cpu: 3500)));
        Assert.Empty(Choose([Job("m", memory: 10)], Limits(memory: null)));
    }

    [Fact]
    public void Low_priority_jobs_leave_the_reserved_slots_free()
    {
        var queue = new QueueLimits("default", 0, false, null, [], ReservedSlots: 2, ReservedMinPriority: 10);
        var jobs = new[] { Job("high", priority: 10, secondsAgo: 1), Job("low1", secondsAgo: 5), Job("low2", secondsAgo: 4), Job("low3", secondsAgo: 3) };
        // 4 free, 2 reserved: the high job, then low jobs while more than 2 remain free (4 - 1 = 3 > 2, then 2).
        Assert.Equal(["high", "low1"], Choose(jobs, Limits(tenantFree: 4, queues: queue)));
    }

    [Fact]
    public void Locality_looks_a_few_ranks_ahead_at_the_same_priority_only()
    {
        var jobs = Enumerable.Range(0, 10).Select(i => Job($"a{i}", secondsAgo: 4 - i / 10, sha: ShaA)).ToList();
        jobs.Add(Job("b-near", secondsAgo: 0, sha: ShaB));
        Assert.Equal(["a0"], Choose(jobs, Limits(slots: 1, cached: [ShaB]))); // b-near is rank 10, past the window of 8

        var near = new[] { Job("a", secondsAgo: 2, sha: ShaA), Job("b", secondsAgo: 1, sha: ShaB), Job("top", priority: 1, secondsAgo: 0, sha: ShaA) };
        Assert.Equal(["top", "b", "a"], Choose(near, Limits(cached: [ShaB])));
        Assert.Equal(["top", "a", "b"], Choose(near, Limits(cached: [ShaB]) with { LocalityMaxWait = TimeSpan.FromSeconds(1) }));
    }
}
