using Baton.Server.Jobs;
using Baton.Server.Security;
using Baton.Server.WorkItems;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// The job's channel under <c>/api/agent/v1/jobs/{jobId}</c>: what a running job asks of the server, relayed by the
/// agent that runs it (the job holds no credential of its own). Work items and child jobs.
/// </summary>
public static class JobChannelEndpoints
{
    public static void MapJobChannel(this IEndpointRouteBuilder app)
    {
        var job = app.MapGroup("/api/agent/v1/jobs/{jobId}").WithTags("Agent protocol").RequireAuthorization(AuthPolicies.Agent);
        job.MapWorkItemChannel();
        job.MapChildJobChannel();
    }
}
