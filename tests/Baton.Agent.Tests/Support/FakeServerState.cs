using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;

namespace Baton.Agent.Tests.Support;

/// <summary>The fake server's memory; survives a <see cref="FakeProtocolServer"/> restart on the same port.</summary>
public sealed class FakeServerState
{
    public string EnrollmentToken { get; set; } = "enroll-secret";
    public string Credential { get; } = "agent-credential-" + Guid.NewGuid().ToString("N");
    public string AgentId { get; } = "agent-1";

    private int _registrations;
    private int _gzippedLogRequests;

    public int Registrations => Volatile.Read(ref _registrations);
    public int GzippedLogRequests => Volatile.Read(ref _gzippedLogRequests);
    public RegisterAgentRequest? LastRegistration { get; set; }

    private int _activePolls;

    /// <summary>Polls the server is holding right now.</summary>
    public int ActivePolls => Volatile.Read(ref _activePolls);

    public void PollStarted() => Interlocked.Increment(ref _activePolls);
    public void PollEnded() => Interlocked.Decrement(ref _activePolls);

    public void CountRegistration() => Interlocked.Increment(ref _registrations);
    public void CountGzippedLogRequest() => Interlocked.Increment(ref _gzippedLogRequests);
    public ConcurrentQueue<JobAssignment> PendingJobs { get; } = new();

    /// <summary>Answer completions as a current server: store folded lines, hand out work for a claim.</summary>
    public bool TakesCompletionClaims { get; set; }

    private int _claims;
    private int _claimedJobs;

    /// <summary>Completions that carried a claim, and the jobs they were given.</summary>
    public (int Claims, int Jobs) ClaimsAnswered => (Volatile.Read(ref _claims), Volatile.Read(ref _claimedJobs));

    public void CountClaim(int jobs)
    {
        Interlocked.Increment(ref _claims);
        Interlocked.Add(ref _claimedJobs, jobs);
    }
    public ConcurrentDictionary<string, byte[]> Packages { get; } = new();
    public ConcurrentDictionary<string, int> Started { get; } = new();
    public ConcurrentDictionary<string, ConcurrentDictionary<long, AgentLogLine>> Logs { get; } = new();
    public ConcurrentDictionary<string, CompleteJobRequest> Completed { get; } = new();
    public ConcurrentQueue<PollRequest> Polls { get; } = new();
    /// <summary>Package versions every poll offers for prefetch, unless the agent reports them cached or fetching.</summary>
    public ConcurrentDictionary<string, PackageRef> PrefetchOffers { get; } = new();
    public ConcurrentDictionary<string, bool> CancelRequested { get; } = new();
    public ConcurrentDictionary<string, bool> RejectLogs { get; } = new();
    /// <summary>Start calls held until the gate is set: true records the start, false answers 409 (stale attempt).</summary>
    public ConcurrentDictionary<string, TaskCompletionSource<bool>> StartGates { get; } = new();
    /// <summary>Start calls received (held ones included).</summary>
    public ConcurrentDictionary<string, int> StartsReceived { get; } = new();
    /// <summary>Uploaded artifacts by job and name: the attempt, the bytes, and whether the job had completed already.</summary>
    public ConcurrentDictionary<(string JobId, string Name), (int Attempt, byte[] Bytes, bool AfterCompletion)> Artifacts { get; } = new();

    public string AddPackage(byte[] zip)
    {
        var sha = PackageZip.Sha256(zip);
        Packages[sha] = zip;
        return sha;
    }

    public IReadOnlyList<AgentLogLine> LogLines(string jobId) =>
        Logs.TryGetValue(jobId, out var lines) ? lines.Values.OrderBy(l => l.Line).ToList() : [];

    public async Task<CompleteJobRequest> WaitForCompletionAsync(string jobId, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (Completed.TryGetValue(jobId, out var complete))
                return complete;
            await Task.Delay(50);
        }

        throw new TimeoutException($"Job {jobId} did not complete within {timeout}.");
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
