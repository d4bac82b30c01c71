using Baton.Core.Dispatch;

namespace Baton.Core.Tests.Dispatch.Simulation;

/// <summary>An agent of a random fleet: what it offers and what it holds now.</summary>
internal sealed class SimAgent
{
    public required string Id { get; init; }
    public required string Group { get; init; }
    public required int Slots { get; init; }
    /// <summary>Millicores; null: reports none.</summary>
    public required int? Cpu { get; init; }
    public required long? Memory { get; init; }
    public required CapabilitySet Capabilities { get; init; }
    public HashSet<string> Cached { get; } = new(StringComparer.Ordinal);
    public List<SimJob> Held { get; } = [];
}

internal sealed class SimJob
{
    public required DispatchCandidate Candidate { get; init; }
    public required IReadOnlyList<Requirement> Requirements { get; init; }
    public SimAgent? Agent { get; set; }
    public bool Done { get; set; }
}

/// <summary>
/// A random tenant — fleet (groups, labels, Pythons, CPU/memory, slots), queues (priorities, caps,
/// groups, pauses, reservations) and a job mix — with the state a store would hold, built from one seed.
/// </summary>
internal sealed class SimWorld
{
    private static readonly string[] Groups = ["default", "gpu", "win"];
    private static readonly string[] Pythons = ["3.9.18", "3.11.9", "3.12.4"];
    private static readonly string[] RequirementTexts = ["python>=3.11", "python>=3.12", "browser=chromium", "os=linux", "gpu"];
    private static readonly string[] Packages = [new('a', 64), new('b', 64), new('c', 64), new('d', 64)];

    public SimWorld(Random random, DateTimeOffset start)
    {
        TenantCap = random.Next(1, 21);
        Agents = [.. Enumerable.Range(0, random.Next(1, 9)).Select(i => NewAgent(random, i))];
        Queues = [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => NewQueue(random, i))];
        var at = start;
        for (var i = 0; i < random.Next(5, 61); i++)
        {
            at = at.AddMilliseconds(random.Next(0, 3) * 500);
            var queue = Queues[random.Next(Queues.Count)];
            var requirements = RequirementTexts.Where(_ => random.Next(6) == 0).Select(Parse).ToList();
            Jobs.Add(new SimJob
            {
                Candidate = new DispatchCandidate(
                    $"j{i:D3}", queue.Name, random.Next(-20, 21), 0, at,
                    random.Next(3) == 0 ? random.Next(1, 33) * 250 : 0,
                    random.Next(3) == 0 ? random.Next(1, 64) * 256 : 0,
                    Packages[random.Next(Packages.Length)]),
                Requirements = requirements,
            });
        }
        // Effective priority = job + queue, as the stores compute it.
        foreach (var job in Jobs.ToList())
        {
            var queue = Queues.Single(q => q.Name == job.Candidate.Queue);
            Jobs[Jobs.IndexOf(job)] = new SimJob
            {
                Candidate = job.Candidate with { EffectivePriority = job.Candidate.Priority + queue.Priority },
                Requirements = job.Requirements,
            };
        }
    }

    public int TenantCap { get; }
    public List<SimAgent> Agents { get; }
    public List<QueueLimits> Queues { get; }
    public List<SimJob> Jobs { get; } = [];

    public IEnumerable<SimJob> Active => Jobs.Where(j => j.Agent is not null && !j.Done);
    public IEnumerable<SimJob> Pending => Jobs.Where(j => j.Agent is null && !j.Done);

    public QueueLimits QueueOf(SimJob job) => Queues.Single(q => q.Name == job.Candidate.Queue);

    /// <summary>The queues as a store reads them in a claim: room left under each cap.</summary>
    public IReadOnlyDictionary<string, QueueLimits> QueueLimitsNow() => Queues.ToDictionary(
        q => q.Name,
        q => q with { Room = q.Room is { } cap ? Math.Max(0, cap - Active.Count(j => j.Candidate.Queue == q.Name)) : null },
        StringComparer.Ordinal);

    public ClaimLimits LimitsFor(SimAgent agent, DateTimeOffset now) => new(
        TenantCap - Active.Count(),
        new AgentBudget(
            agent.Slots - agent.Held.Count,
            agent.Group,
            agent.Cpu is { } cpu ? cpu - agent.Held.Sum(j => j.Candidate.CpuMillicores) : null,
            agent.Memory is { } memory ? memory - agent.Held.Sum(j => j.Candidate.MemoryMb) : null,
            agent.Cached),
        QueueLimitsNow(),
        now);

    private static SimAgent NewAgent(Random random, int index)
    {
        var pythons = Pythons.Where(_ => random.Next(2) == 0).ToList();
        var labels = new Dictionary<string, string>();
        if (random.Next(2) == 0) labels["browser"] = "chromium";
        if (random.Next(4) == 0) labels["gpu"] = "";
        var agent = new SimAgent
        {
            Id = $"agent-{index}",
            Group = Groups[random.Next(Groups.Length)],
            Slots = random.Next(1, 9),
            Cpu = random.Next(4) == 0 ? null : random.Next(1, 17) * 1000,
            Memory = random.Next(4) == 0 ? null : random.Next(1, 65) * 512,
            Capabilities = CapabilitySet.From(random.Next(5) == 0 ? "windows" : "linux", "x64", pythons, labels),
        };
        foreach (var package in Packages.Where(_ => random.Next(3) == 0)) agent.Cached.Add(package);
        return agent;
    }

    private static QueueLimits NewQueue(Random random, int index) => new(
        index == 0 ? "default" : $"q{index}",
        random.Next(-10, 11),
        Paused: random.Next(8) == 0,
        Room: random.Next(2) == 0 ? null : random.Next(1, 6),
        AgentGroups: [.. Groups.Where(_ => random.Next(3) == 0)],
        ReservedSlots: random.Next(3) == 0 ? random.Next(1, 4) : 0,
        ReservedMinPriority: random.Next(-5, 16));

    private static Requirement Parse(string text)
    {
        if (!Requirement.TryParse(text, out var requirement, out var error)) throw new InvalidOperationException(error);
        return requirement!;
    }
}
