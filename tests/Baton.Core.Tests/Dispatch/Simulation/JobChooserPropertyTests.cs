using Baton.Core.Dispatch;
using Xunit.Sdk;

namespace Baton.Core.Tests.Dispatch.Simulation;

/// <summary>
/// Property-style tests of <see cref="JobChooser"/> (the code both stores run inside their claims):
/// random fleets and job mixes, agents polling in random order while jobs finish, and after every
/// claim the invariants checked against an independent oracle. A failure names its seed.
/// </summary>
public sealed class JobChooserPropertyTests
{
    private const int Worlds = 400;
    private const int Rounds = 40;
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Random_fleets_and_job_mixes_keep_every_dispatch_invariant()
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

    private static void RunWorld(int seed)
    {
        var random = new Random(seed);
        var world = new SimWorld(random, Start);
        for (var round = 0; round < Rounds; round++)
        {
            var now = Start.AddSeconds(round * random.Next(0, 3));
            var agent = world.Agents[random.Next(world.Agents.Count)];
            ClaimAndCheck(world, agent, now, random);
            foreach (var job in world.Active.ToList())
            {
                if (random.Next(10) < 3) Finish(job);
            }
        }
    }

    private static void ClaimAndCheck(SimWorld world, SimAgent agent, DateTimeOffset now, Random random)
    {
        var pending = world.Pending.OrderBy(_ => random.Next()).ToList(); // the chooser must not rely on input order
        var limits = world.LimitsFor(agent, now);
        var chosen = JobChooser.Choose(pending, j => j.Candidate, j => j.Requirements.All(r => r.IsSatisfiedBy(agent.Capabilities)), limits);

        var ranked = pending.OrderBy(j => j.Candidate, Comparer<DispatchCandidate>.Create(DispatchCandidate.CompareClaimOrder)).ToList();
        var taken = new List<SimJob>();
        foreach (var job in chosen)
        {
            Check(CanTake(world, agent, job, taken), $"{job.Candidate.Id} was given to {agent.Id}, which may not take it now");
            foreach (var other in ranked.Where(o => !taken.Contains(o) && o != job && CanTake(world, agent, o, taken)))
            {
                Check(other.Candidate.EffectivePriority <= job.Candidate.EffectivePriority,
                    $"{other.Candidate.Id} (effective {other.Candidate.EffectivePriority}) waited behind {job.Candidate.Id} ({job.Candidate.EffectivePriority})");
                if (other.Candidate.EffectivePriority == job.Candidate.EffectivePriority && ranked.IndexOf(other) < ranked.IndexOf(job))
                {
                    // Only locality may pass an older equal, and only within its window and wait.
                    Check(agent.Cached.Contains(job.Candidate.PackageSha256) && !agent.Cached.Contains(other.Candidate.PackageSha256),
                        $"{job.Candidate.Id} passed the older {other.Candidate.Id} without a locality reason");
                    Check(now - other.Candidate.SubmittedAt < limits.LocalityMaxWait, $"{other.Candidate.Id} was passed after waiting past the locality limit");
                    Check(ranked.IndexOf(job) - ranked.IndexOf(other) < limits.LocalityWindow, $"{job.Candidate.Id} jumped beyond the locality window");
                }
            }
            taken.Add(job);
        }

        // A claim stops only when the agent can take nothing more.
        if (taken.Count < limits.Agent.Slots)
        {
            var left = ranked.FirstOrDefault(j => !taken.Contains(j) && CanTake(world, agent, j, taken));
            Check(left is null, $"{agent.Id} stopped with free slots while it could take {left?.Candidate.Id}");
        }

        foreach (var job in taken)
        {
            job.Agent = agent;
            agent.Held.Add(job);
        }
        CheckCaps(world);
    }

    /// <summary>The oracle: may <paramref name="agent"/> take <paramref name="job"/> after <paramref name="taken"/> in this claim?</summary>
    private static bool CanTake(SimWorld world, SimAgent agent, SimJob job, List<SimJob> taken)
    {
        var queue = world.QueueOf(job);
        var c = job.Candidate;
        if (queue.Paused || (queue.AgentGroups.Count > 0 && !queue.AgentGroups.Contains(agent.Group))) return false;
        var queueActive = world.Active.Count(j => j.Candidate.Queue == queue.Name) + taken.Count(j => j.Candidate.Queue == queue.Name);
        if (queue.Room is { } cap && queueActive >= cap) return false; // SimWorld keeps each queue's cap in Room
        var tenantFree = world.TenantCap - world.Active.Count() - taken.Count;
        if (tenantFree <= 0) return false;
        if (queue.ReservedSlots > 0 && c.Priority < queue.ReservedMinPriority && tenantFree <= queue.ReservedSlots) return false;
        if (agent.Held.Count + taken.Count >= agent.Slots) return false;
        if (c.CpuMillicores > 0 && (agent.Cpu is not { } cpu || agent.Held.Concat(taken).Sum(j => j.Candidate.CpuMillicores) + c.CpuMillicores > cpu)) return false;
        if (c.MemoryMb > 0 && (agent.Memory is not { } memory || agent.Held.Concat(taken).Sum(j => j.Candidate.MemoryMb) + c.MemoryMb > memory)) return false;
        return job.Requirements.All(r => r.IsSatisfiedBy(agent.Capabilities));
    }

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
            var cpu = agent.Held.Sum(j => j.Candidate.CpuMillicores);
            var memory = agent.Held.Sum(j => j.Candidate.MemoryMb);
            Check(cpu == 0 || cpu <= agent.Cpu, $"{agent.Id} over-committed: {cpu} millicores of {agent.Cpu}");
            Check(memory == 0 || memory <= agent.Memory, $"{agent.Id} over-committed: {memory} MB of {agent.Memory}");
        }
    }

    private static void Finish(SimJob job)
    {
        job.Done = true;
        job.Agent!.Held.Remove(job);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new XunitException(message);
    }
}
