using Baton.Core.AgentProtocol;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
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
    HeartbeatBatcher heartbeats,
    WakeUpSignals signals,
    PackagePrefetch prefetch,
    IOptions<ServerOptions> options,
    TimeProvider time)
{
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

        // An agent has one poll in flight and lists every job it holds: an assignment made before this
        // poll that it does not list was lost on the way (it stopped, or the connection broke).
        var refs = running.Select(r => new JobRef(r.JobId, r.Attempt)).ToList();
        var released = await store.Jobs.ReleaseUndeliveredAsync(agent.TenantId, agent.Id, refs, now, cancellationToken);
        if (released.Count > 0) signals.Signal(WakeUpSignals.TenantWork(agent.TenantId));
        var wait = EffectiveWait(options.Value, TimeSpan.FromSeconds(request.WaitSeconds));
        var deadline = now + wait;
        var topics = request.FreeSlots > 0
            ? new[] { WakeUpSignals.Agent(agent.Id), WakeUpSignals.TenantWork(agent.TenantId) }
            : new[] { WakeUpSignals.Agent(agent.Id) };

        while (true)
        {
            // Subscribe before looking, so a signal raised while we look is not missed.
            var wakeUp = signals.WhenSignalled(topics);

            var directives = await store.Agents.GetDirectivesAsync(agent.Id, refs, cancellationToken);
            var jobs = await dispatcher.ClaimForAgentAsync(agent, request.FreeSlots, cached, cancellationToken);
            // Prefetch is for agents that report their cache (null: a client that does not take part); such an
            // agent downloads what it is offered or lists it as fetching, so an offer never repeats in a loop.
            var offered = request.CachedPackages is null ? [] : await prefetch.OfferAsync(agent, cached, fetching, cancellationToken);
            if (jobs.Count > 0 || directives.Cancel.Count > 0 || directives.Abandon.Count > 0 || offered.Count > 0)
            {
                var assignments = new List<JobAssignment>(jobs.Count);
                foreach (var job in jobs) assignments.Add(await ToAssignmentAsync(job, cancellationToken));
                return Results.Ok(new PollResponse(assignments, directives.Cancel, directives.Abandon, offered));
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || context.RequestAborted.IsCancellationRequested)
            {
                return Results.Ok(new PollResponse([], [], []));
            }
            var nap = remaining < options.Value.DispatchPollInterval ? remaining : options.Value.DispatchPollInterval;
            try
            {
                await wakeUp.WaitAsync(nap, time, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                return Results.Ok(new PollResponse([], [], []));
            }
        }
    }

    private async Task<JobAssignment> ToAssignmentAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var package = await store.Packages.GetVersionAsync(job.TenantId, job.PackageName, job.PackageVersion, cancellationToken);
        var manifest = package?.Manifest;
        return new JobAssignment(
            job.Id,
            job.Attempt,
            new PackageRef(job.PackageName, job.PackageVersion, job.PackageSha256, package?.SizeBytes ?? 0),
            manifest?.Entrypoint.ToString() ?? "",
            job.Inputs,
            job.TimeoutSeconds,
            manifest?.Python,
            manifest?.Requirements);
    }
}
