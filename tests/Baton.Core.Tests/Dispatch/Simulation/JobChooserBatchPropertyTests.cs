using Baton.Core.Dispatch;
using Xunit.Sdk;

namespace Baton.Core.Tests.Dispatch.Simulation;

/// <summary>
/// Property-style tests of <see cref="JobChooser.ChooseForEach{T}"/>, the batched claim (one claim serving
/// every waiting agent of a tenant): over random worlds, a batch of agents in random order gets exactly what
/// separate claims one after another would have given them, so caps, queue rooms, reservations and agent
/// budgets hold across the batch. A failure names its seed.
/// </summary>
public sealed class JobChooserBatchPropertyTests
{
    private const int Worlds = 400;
    private const int Rounds = 20;
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_batch_gives_each_agent_what_claims_one_after_another_would()
    {
        for (var seed = 0; seed < Worlds; seed++)
        {
            try
            {
                RunWorld(seed);
            }
            catch (Exception ex) when (ex is XunitException or InvalidOperationException)
            {
                throw new XunitException($"seed {seed}: {ex.Message}");
            }
        }
    }

    [Fact]
    public void A_batch_never_passes_the_tenant_cap_or_a_queue_cap()
    {
        var queue = new QueueLimits("default", 0, false, Room: 3, AgentGroups: []);
        var jobs = Enumerable.Range(0, 20)
            .Select(i => new DispatchCandidate($"j{i:D2}", "default", 0, 0, Start.AddSeconds(i), 0, 0, new string('a', 64)))
            .ToList();
        var agents = Enumerable.Range(0, 8)
            .Select(_ => new AgentClaim<DispatchCandidate>(new AgentBudget(4, "default", null, null, new HashSet<string>()), _ => true))
            .ToList();

        var capped = JobChooser.ChooseForEach(jobs, j => j, agents, tenantFreeSlots: 10,
            new Dictionary<string, QueueLimits> { ["default"] = queue }, Start);
        Assert.Equal(3, capped.Sum(list => list.Count));
        Assert.Equal(["j00", "j01", "j02"], capped.SelectMany(list => list).Select(j => j.Id).ToArray());

        var open = JobChooser.ChooseForEach(jobs, j => j, agents, tenantFreeSlots: 10,
            new Dictionary<string, QueueLimits> { ["default"] = queue with { Room = null } }, Start);
        Assert.Equal(10, open.Sum(list => list.Count));
        Assert.Equal(10, open.SelectMany(list => list).Select(j => j.Id).Distinct().Count());
        Assert.Equal([4, 4, 2, 0, 0, 0, 0, 0], open.Select(list => list.Count).ToArray());
    }

    private static void RunWorld(int seed)
    {
        var random = new Random(seed);
        var world = new SimWorld(random, Start);
        for (var round = 0; round < Rounds; round++)
        {
            var now = Start.AddSeconds(round * random.Next(0, 3));
            var batch = world.Agents.Where(_ => random.Next(3) > 0).OrderBy(_ => random.Next()).ToList();
            var pending = world.Pending.OrderBy(_ => random.Next()).ToList();

            // The oracle: separate claims one after another, the world updated after each.
            var expected = new List<List<SimJob>>();
            var holdsBefore = world.Agents.ToDictionary(a => a, a => a.Held.ToList());
            foreach (var agent in batch)
            {
                var chosen = JobChooser.Choose(world.Pending.ToList(), j => j.Candidate, j => CanRun(agent, j), world.LimitsFor(agent, now)).ToList();
                foreach (var job in chosen)
                {
                    job.Agent = agent;
                    agent.Held.Add(job);
                }
                expected.Add(chosen);
            }
            foreach (var job in expected.SelectMany(list => list)) job.Agent = null;
            foreach (var (agent, held) in holdsBefore)
            {
                agent.Held.Clear();
                agent.Held.AddRange(held);
            }

            var first = batch.Count == 0 ? null : world.LimitsFor(batch[0], now);
            var claims = batch.Select(agent => new AgentClaim<SimJob>(world.LimitsFor(agent, now).Agent, job => CanRun(agent, job))).ToList();
            var actual = JobChooser.ChooseForEach(pending, j => j.Candidate, claims,
                first?.TenantFreeSlots ?? 0, world.QueueLimitsNow(), now);

            Check(actual.Count == batch.Count, $"{actual.Count} results for {batch.Count} agents");
            for (var i = 0; i < batch.Count; i++)
            {
                var want = string.Join(",", expected[i].Select(j => j.Candidate.Id).Order(StringComparer.Ordinal));
                var got = string.Join(",", actual[i].Select(j => j.Candidate.Id).Order(StringComparer.Ordinal));
                Check(want == got, $"{batch[i].Id} got [{got}] in the batch, a claim of its own would give [{want}]");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                foreach (var job in actual[i])
                {
                    job.Agent = batch[i];
                    batch[i].Held.Add(job);
                }
            }
            CheckCaps(world);
            foreach (var job in world.Active.ToList())
            {
                if (random.Next(10) < 3)
                {
                    job.Done = true;
                    job.Agent!.Held.Remove(job);
                }
            }
        }
    }

    private static bool CanRun(SimAgent agent, SimJob job) => job.Requirements.All(r => r.IsSatisfiedBy(agent.Capabilities));

    private static void CheckCaps(SimWorld world)
    {
        Check(world.Active.Count() <= world.TenantCap, $"tenant at {world.Active.Count()} of {world.TenantCap}");
        foreach (var queue in world.Queues.Where(q => q.Room is not null))
        {
            var active = world.Active.Count(j => j.Candidate.Queue == queue.Name);
            Check(active <= queue.Room, $"queue {queue.Name} at {active} of {queue.Room}");
        }
        foreach (var agent in world.Agents)
        {
            Check(agent.Held.Count <= agent.Slots, $"{agent.Id} holds {agent.Held.Count} jobs in {agent.Slots} slots");
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new XunitException(message);
    }
}
