namespace Baton.Core.Api;

/// <summary>
/// <c>GET /api/v1/usage</c>: the caller's tenant on the shared agent pool — its weight (0 = opted out)
/// and the agent-seconds its jobs used on shared agents over the fair-share window and since midnight UTC
/// (running jobs count their elapsed time so far).
/// </summary>
public sealed record TenantUsageReportDto(
    int SharedPoolWeight,
    int FairShareWindowSeconds,
    double SharedAgentSecondsInWindow,
    double SharedAgentSecondsToday);
