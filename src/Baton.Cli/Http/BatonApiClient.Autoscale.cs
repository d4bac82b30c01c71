using System.Globalization;
using Baton.Core.Api;

namespace Baton.Cli.Http;

// The autoscaler (system admins).
public sealed partial class BatonApiClient
{
    public Task<AppliedAutoscalePoliciesDto> ApplyAutoscalePolicyAsync(string yaml, CancellationToken ct) =>
        SendJsonAsync<AppliedAutoscalePoliciesDto>(HttpMethod.Put, "api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest(yaml), ct);

    public Task DeleteAutoscalePolicyAsync(string target, CancellationToken ct) => DeleteAsync($"api/v1/system/autoscale/policies?target={Segment(target)}", ct);

    public Task<AutoscaleStatusDto> GetAutoscaleStatusAsync(CancellationToken ct) => GetAsync<AutoscaleStatusDto>("api/v1/system/autoscale/status", ct);

    public Task<ListResponse<AutoscaleDecisionDto>> ListAutoscaleDecisionsAsync(string? target, int limit, CancellationToken ct) =>
        GetAsync<ListResponse<AutoscaleDecisionDto>>(
            $"api/v1/system/autoscale/decisions?limit={limit.ToString(CultureInfo.InvariantCulture)}{(target is null ? "" : "&target=" + Segment(target))}", ct);

    public Task<AutoscaleTargetDto> PauseAutoscaleTargetAsync(string target, bool pause, CancellationToken ct) =>
        SendJsonAsync<AutoscaleTargetDto>(HttpMethod.Post, $"api/v1/system/autoscale/{(pause ? "pause" : "resume")}?target={Segment(target)}", body: null, ct);

    public Task<AutoscaleForecastDto> GetAutoscaleForecastAsync(string target, double hours, CancellationToken ct) =>
        GetAsync<AutoscaleForecastDto>($"api/v1/system/autoscale/forecast?target={Segment(target)}&hours={hours.ToString(CultureInfo.InvariantCulture)}", ct);

    public Task<ListResponse<AnomalyDto>> ListAnomaliesAsync(int limit, CancellationToken ct) =>
        GetAsync<ListResponse<AnomalyDto>>($"api/v1/system/autoscale/anomalies?limit={limit.ToString(CultureInfo.InvariantCulture)}", ct);
}
