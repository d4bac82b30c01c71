using Baton.Core.AgentProtocol;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Dispatch.SharedAgents;
using Baton.Server.Hosting;
using Baton.Server.Packages;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// One poll = a heartbeat (lease renewal, batched), control directives (cancel / abandon), and a
/// claim for the free slots; held open until work or a directive arrives or the wait ends.
/// </summary>
public sealed class AgentPollHandler(
    IBatonStore store,
    CredentialCache credentials,
    JobDispatcher dispatcher,
    SharedPoolDispatcher sharedDispatcher,
    HeartbeatBatcher heartbeats,
    WakeUpSignals signals,
    PackageVersionCache packages,
    PackagePrefetch prefetch,
    IOptions<ServerOptions> options,
    TimeProvider time)
{
    private static readonly string AssignedState = Core.Jobs.JobStates.ToText(Core.Jobs.JobState.Assigned);

    /// <summary>A poll must return well within the agent TTL, or a waiting agent would look dead.</summary>
    public static TimeSpan EffectiveWait(ServerOptions options, TimeSpan requested)
    {
        var cap = TimeSpan.FromTicks(Math.Min(options.MaxPollWait.Ticks, options.AgentTtl.Ticks / 3));
        return requested < TimeSpan.Zero ? TimeSpan.Zero : requested > cap ? cap : requested;
    }

    public async Task<IResult> PollAsync(HttpContext context, PollRequest request, CancellationToken cancellationToken)
    {
        var caller = context.GetAgentCaller();
        if (request.FreeSlots < 0) return Problems.Validation("freeSlots must be zero or more.", "freeSlots");
        if (request.Capabilities?.Group is { } group && !Core.Dispatch.AgentGroupNames.IsValid(group))
        {
            return Problems.Validation($"'{group}' is not a valid agent group: {Core.Dispatch.AgentGroupNames.Rule}", "capabilities.group");
        }
        var running = request.Running ?? [];
        var agent = await credentials.FindAgentAsync(caller.AgentId, cancellationToken);
        if (agent is null) return Problems.NotFound("The agent");

        var now = time.GetUtcNow();
        heartbeats.Enqueue(new AgentHeartbeat(agent.Id, now, running, request.Capabilities, request.Resources));
        if (request.Capabilities is not null) agent = agent with { Capabilities = request.Capabilities };
        if (request.Resources is not null) agent = agent with { Resources = request.Resources };
        var cached = (request.CachedPackages ?? []).Take(PollRequest.MaxCachedPackages).ToHashSet(StringComparer.Ordinal);
        var fetching = (request.Fetching ?? []).Take(PollRequest.MaxCachedPackages).ToHashSet(StringComparer.Ordinal);

        var refs = running.Select(r => new JobRef(r.JobId, r.Attempt)).ToList();
        var shared = SharedPool.IsShared(agent.TenantId);
        var wait = EffectiveWait(options.Value, TimeSpan.FromSeconds(request.WaitSeconds));
        var deadline = now + wait;
        var topics = request.FreeSlots > 0
            ? new[] { WakeUpSignals.Agent(agent.Id), WakeUpSignals.TenantWork(agent.TenantId) }
            : new[] { WakeUpSignals.Agent(agent.Id) };

        // Subscribe before looking, so a signal raised while we look is not missed.
        WakeUpSignals.Subscription? firstWakeUp = signals.Subscribe(topics);
        AgentDirectives? directives;
        try
        {
            // One read of what the agent holds (across tenants for a shared agent) gives the lost assignments and the first directives.
            // Only a poll that may claim releases: a poll without free slots can cross a completion that claimed work
            // this poll does not list yet (an agent claims through one request at a time, see CompletionClaim).
            directives = await ReleaseUndeliveredAsync(agent, shared, refs, now, release: request.FreeSlots > 0, cancellationToken);
        }
        catch
        {
            firstWakeUp.Dispose();
            throw;
        }

        WakeUpSignals.Subscription? woken = null;
        try
        {
            while (true)
            {
                var wakeUp = firstWakeUp ?? signals.Subscribe(topics);
                firstWakeUp = null;
                try
                {
                    var passedOver = false;
                    // After a wake-up: a cancel may have been requested meanwhile.
                    directives ??= await store.Agents.GetDirectivesAsync(agent.Id, refs, cancellationToken);
                    // A shared agent waits on the pool's topic (TenantWork of the reserved shared tenant) and claims across tenants.
                    var jobs = shared
                        ? await sharedDispatcher.ClaimForSharedAgentAsync(agent, request.FreeSlots, cancellationToken)
                        : await dispatcher.ClaimForAgentAsync(agent, request.FreeSlots, cached, cancellationToken, () => passedOver = true);


                    // Prefetch is for agents that report their cache (null: a client that does not take part); such an
                    // agent downloads what it is offered or lists it as fetching, so an offer never repeats in a loop.
                    // Shared agents may only fetch packages of jobs they hold: no offers.
                    var offered = request.CachedPackages is null || shared ? [] : await prefetch.OfferAsync(agent, cached, fetching, cancellationToken);
                    // A counted wake-up for work this agent cannot run goes to the next waiting agent.
                    if (passedOver) woken?.PassOn();
                    woken = null;
                    if (jobs.Count > 0 || directives.Cancel.Count > 0 || directives.Abandon.Count > 0 || offered.Count > 0)
                    {
                        var assignments = new List<JobAssignment>(jobs.Count);
                        foreach (var job in jobs) assignments.Add(await ToAssignmentAsync(job, cancellationToken));
                        return Results.Ok(new PollResponse(assignments, directives.Cancel, directives.Abandon, offered));
                    }

                    directives = null;
                    var remaining = deadline - time.GetUtcNow();
                    if (remaining <= TimeSpan.Zero || context.RequestAborted.IsCancellationRequested)
                    {
                        return Results.Ok(new PollResponse([], [], []));
                    }
                    var nap = remaining < options.Value.DispatchPollInterval ? remaining : options.Value.DispatchPollInterval;
                    await wakeUp.WaitAsync(nap, time, cancellationToken);
                    if (wakeUp.WokenBy is not null) woken = wakeUp;
                }
                finally
                {
                    wakeUp.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent went away: a wake-up meant for work goes to another waiting agent.
            woken?.PassOn();
            return Results.Ok(new PollResponse([], [], []));
        }
    }

    /// <summary>
    /// An agent has one poll in flight and lists every job it holds: an assignment made before this poll
    /// that it does not list was lost on the way (it stopped, or the connection broke) and goes back to
    /// its queue, in each tenant concerned. Returns the directives for what it still holds.
    /// </summary>
    private async Task<AgentDirectives> ReleaseUndeliveredAsync(
        AgentRecord agent, bool shared, IReadOnlyList<JobRef> refs, DateTimeOffset now, bool release, CancellationToken cancellationToken)
    {
        var held = await store.SharedPool.ListHeldJobsAsync(agent.Id, cancellationToken);
        var reported = refs.Select(r => (r.JobId, r.Attempt)).ToHashSet();
        var lost = held
            .Where(job => release && job.State == AssignedState && job.AssignedAt < now && !reported.Contains((job.JobId, job.Attempt)))
            .ToList();
        foreach (var tenantId in lost.Select(job => job.TenantId).Distinct(StringComparer.Ordinal))
        {
            var released = await store.Jobs.ReleaseUndeliveredAsync(tenantId, agent.Id, refs, now, cancellationToken);
            if (released.Count == 0) continue;
            signals.Signal(WakeUpSignals.TenantWork(tenantId), released.Count);
            if (shared) signals.Signal(WakeUpSignals.TenantWork(SharedPool.TenantId), released.Count);
        }
        return AgentDirectives.From(held.Except(lost), refs);
    }

    internal async Task<JobAssignment> ToAssignmentAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var package = await packages.GetAsync(job.TenantId, job.PackageName, job.PackageVersion, job.PackageSha256, cancellationToken);
        var manifest = package?.Manifest;
        return new JobAssignment(
            job.Id,
            job.Attempt,
            new PackageRef(job.PackageName, job.PackageVersion, job.PackageSha256, package?.SizeBytes ?? 0),
            manifest?.Entrypoint.ToString() ?? "",
            job.Inputs,
            job.TimeoutSeconds,
            manifest?.Python,
            manifest?.Requirements,
            manifest is { Preload.Count: > 0 } ? manifest.Preload : null,
            manifest is { Isolation: Core.Packages.JobIsolation.Fresh } ? "fresh" : null);
    }
}
