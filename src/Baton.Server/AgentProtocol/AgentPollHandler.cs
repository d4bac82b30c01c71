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
    HeldJobReads heldReads,
    HeldJobLookup heldJobs,
    WakeUpSignals signals,
    PackageVersionCache packages,
    PackagePrefetch prefetch,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<AgentPollHandler> logger)
{
    private static readonly string AssignedState = Core.Jobs.JobStates.ToText(Core.Jobs.JobState.Assigned);
    private static readonly AgentDirectives NoDirectives = new([], []);

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
        var poll = new Poll(
            agent,
            SharedPool.IsShared(agent.TenantId),
            request.FreeSlots,
            [.. running.Select(r => new JobRef(r.JobId, r.Attempt))],
            running.Where(r => r.Stopping == true).Select(r => (r.JobId, r.Attempt)).ToHashSet(),
            request.CachedPackages is null ? null : request.CachedPackages.Take(PollRequest.MaxCachedPackages).ToHashSet(StringComparer.Ordinal),
            (request.Fetching ?? []).Take(PollRequest.MaxCachedPackages).ToHashSet(StringComparer.Ordinal),
            now + EffectiveWait(options.Value, TimeSpan.FromSeconds(request.WaitSeconds)));

        // Subscribe before looking, so news raised while we look is not missed.
        using var news = signals.Subscribe(NewsTopics(poll));
        // What the agent holds is read only when the store may know something the agent does not (see HeldJobReads).
        // Only a poll that may claim releases lost assignments: a poll without free slots can cross a completion that
        // claimed work this poll does not list yet (an agent claims through one request at a time, see CompletionClaim).
        var directives = heldReads.MustRead(agent.Id, poll.Running, mayRelease: request.FreeSlots > 0)
            ? poll.Unheeded(await ReleaseUndeliveredAsync(agent, poll.Shared, poll.Running, now, release: request.FreeSlots > 0, cancellationToken))
            : NoDirectives;
        try
        {
            var (jobs, offered) = poll.Shared
                ? await WaitForSharedWorkAsync(poll, directives, news, context.RequestAborted, cancellationToken)
                : await WaitForTenantWorkAsync(poll, directives, news, cancellationToken);
            directives = poll.Directives ?? directives;
            heldReads.DirectivesSent(agent.Id, directives.Cancel.Count, directives.Abandon.Count);
            heldReads.Assigned(agent.Id, jobs);
            var assignments = new List<JobAssignment>(jobs.Count);
            foreach (var job in jobs) assignments.Add(await ToAssignmentAsync(job, CancellationToken.None));
            return Results.Ok(new PollResponse(assignments, directives.Cancel, directives.Abandon, offered));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Directives read for this poll never left: the next poll reads them again.
            var unsent = poll.Directives ?? directives;
            heldReads.DirectivesSent(agent.Id, unsent.Cancel.Count, unsent.Abandon.Count);
            return Results.Ok(new PollResponse([], [], []));
        }
    }

    private static string[] NewsTopics(Poll poll) => poll.CachedPackages is null || poll.Shared
        ? [WakeUpSignals.Agent(poll.Agent.Id)]
        : [WakeUpSignals.Agent(poll.Agent.Id), WakeUpSignals.TenantPackages(poll.Agent.TenantId)];

    /// <summary>
    /// An agent of a tenant: its free slots join the tenant's line for batched claims (<see cref="ClaimBatcher"/>)
    /// and the poll returns with jobs, with news (a cancel request, a package to prefetch), or at its deadline.
    /// </summary>
    private async Task<(IReadOnlyList<JobRecord> Jobs, IReadOnlyList<PackageRef> Offered)> WaitForTenantWorkAsync(
        Poll poll, AgentDirectives directives, WakeUpSignals.Subscription news, CancellationToken cancellationToken)
    {
        var offered = await OfferAsync(poll, cancellationToken);
        var answerNow = directives.Cancel.Count > 0 || directives.Abandon.Count > 0 || offered.Count > 0 || time.GetUtcNow() >= poll.Deadline;
        var ticket = await dispatcher.JoinLineAsync(poll.Agent, poll.FreeSlots, poll.CachedPackages ?? EmptySet, waits: !answerNow, cancellationToken);
        if (answerNow) return (ticket is null ? [] : await ticket.Jobs, offered);

        var currentNews = news;
        WakeUpSignals.Subscription? renewed = null;
        try
        {
            while (true)
            {
                var remaining = poll.Deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero) break;
                var claimed = ticket?.Jobs ?? Task.FromResult<IReadOnlyList<JobRecord>>([]);
                var waits = ticket is null ? new[] { currentNews.Task } : [claimed, currentNews.Task];
                try
                {
                    await Task.WhenAny(waits).WaitAsync(remaining, time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    break;
                }
                if (ticket is not null && claimed.IsCompleted) return (await claimed, offered);

                // News: a cancel request for a job it holds, or a package version to prefetch.
                poll.Directives = currentNews.WokenBy == WakeUpSignals.Agent(poll.Agent.Id)
                    ? poll.Unheeded(await heldJobs.DirectivesAsync(poll.Agent.Id, poll.Running, cancellationToken))
                    : null;
                offered = await OfferAsync(poll, cancellationToken);
                if (offered.Count > 0 || poll.Directives is { Cancel.Count: > 0 } or { Abandon.Count: > 0 }) break;
                renewed?.Dispose();
                currentNews = renewed = signals.Subscribe(NewsTopics(poll));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent went away. Jobs a claim under way assigns to it come back at its next poll (never confirmed).
            if (ticket is not null && (await ticket.WithdrawAsync()).Count > 0) logger.LogDebug("Agent {AgentId} left while jobs were assigned to it", poll.Agent.Id);
            throw;
        }
        finally
        {
            renewed?.Dispose();
        }
        return (ticket is null ? [] : await ticket.WithdrawAsync(), offered);
    }

    /// <summary>
    /// A shared agent waits on the pool's topic (<see cref="WakeUpSignals.TenantWork"/> of the reserved shared tenant)
    /// and claims across tenants by fair share, re-checking every <see cref="ServerOptions.DispatchPollInterval"/>.
    /// </summary>
    private async Task<(IReadOnlyList<JobRecord> Jobs, IReadOnlyList<PackageRef> Offered)> WaitForSharedWorkAsync(
        Poll poll, AgentDirectives directives, WakeUpSignals.Subscription news, CancellationToken requestAborted, CancellationToken cancellationToken)
    {
        var topics = poll.FreeSlots > 0
            ? new[] { WakeUpSignals.Agent(poll.Agent.Id), WakeUpSignals.TenantWork(SharedPool.TenantId) }
            : new[] { WakeUpSignals.Agent(poll.Agent.Id) };
        WakeUpSignals.Subscription? woken = null;
        var first = true;
        try
        {
            while (true)
            {
                var wakeUp = signals.Subscribe(topics);
                try
                {
                    if (!first || news.Task.IsCompleted) poll.Directives = poll.Unheeded(await heldJobs.DirectivesAsync(poll.Agent.Id, poll.Running, cancellationToken));
                    var current = poll.Directives ?? directives;
                    first = false;
                    var jobs = await sharedDispatcher.ClaimForSharedAgentAsync(poll.Agent, poll.FreeSlots, cancellationToken);
                    if (jobs.Count == 0) woken?.PassOn();
                    woken = null;
                    if (jobs.Count > 0 || current.Cancel.Count > 0 || current.Abandon.Count > 0) return (jobs, []);

                    var remaining = poll.Deadline - time.GetUtcNow();
                    if (remaining <= TimeSpan.Zero || requestAborted.IsCancellationRequested) return ([], []);
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
            throw;
        }
    }

    private async ValueTask<IReadOnlyList<PackageRef>> OfferAsync(Poll poll, CancellationToken cancellationToken) =>
        // Prefetch is for agents that report their cache (null: a client that does not take part); such an
        // agent downloads what it is offered or lists it as fetching, so an offer never repeats in a loop.
        poll.CachedPackages is null ? [] : await prefetch.OfferAsync(poll.Agent, poll.CachedPackages, poll.Fetching, cancellationToken);

    private static readonly HashSet<string> EmptySet = new(StringComparer.Ordinal);

    /// <summary>One poll's facts, and the directives read after news.</summary>
    private sealed record Poll(
        AgentRecord Agent, bool Shared, int FreeSlots, IReadOnlyList<JobRef> Running, IReadOnlySet<(string JobId, int Attempt)> Stopping,
        IReadOnlySet<string>? CachedPackages, IReadOnlySet<string> Fetching, DateTimeOffset Deadline)
    {
        public AgentDirectives? Directives { get; set; }

        /// <summary>
        /// The directives without cancels the agent already acts on (it reports those jobs stopping): repeating them
        /// would answer each of its polls at once until the job's process exits, a busy loop of up to the terminate
        /// grace period (see <see cref="HeldJobReads.DirectivesSent"/>).
        /// </summary>
        public AgentDirectives Unheeded(AgentDirectives directives) => Stopping.Count == 0 || directives.Cancel.Count == 0
            ? directives
            : directives with { Cancel = [.. directives.Cancel.Where(job => !Stopping.Contains((job.JobId, job.Attempt)))] };
    }

    /// <summary>
    /// An agent has one poll in flight and lists every job it holds: an assignment made before this poll
    /// that it does not list was lost on the way (it stopped, or the connection broke) and goes back to
    /// its queue, in each tenant concerned. Returns the directives for what it still holds.
    /// </summary>
    private async Task<AgentDirectives> ReleaseUndeliveredAsync(
        AgentRecord agent, bool shared, IReadOnlyList<JobRef> refs, DateTimeOffset now, bool release, CancellationToken cancellationToken)
    {
        var held = await heldJobs.ListAsync(agent.Id, cancellationToken);
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
