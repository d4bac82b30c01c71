using System.Globalization;
using System.Text;
using Baton.Core.Api;

namespace Baton.Cli.Http;

public sealed partial class BatonApiClient
{
    // ---- work items ----

    public Task<AddWorkItemsResponse> AddWorkItemsAsync(string queue, AddWorkItemsRequest request, CancellationToken ct) =>
        SendJsonAsync<AddWorkItemsResponse>(HttpMethod.Post, $"api/v1/workitem-queues/{Segment(queue)}/items", request, ct);

    public Task<ListResponse<WorkItemQueueDto>> ListWorkItemQueuesAsync(CancellationToken ct) =>
        GetAsync<ListResponse<WorkItemQueueDto>>("api/v1/workitem-queues", ct);

    public Task<WorkItemQueueDto> GetWorkItemQueueAsync(string queue, CancellationToken ct) =>
        GetAsync<WorkItemQueueDto>($"api/v1/workitem-queues/{Segment(queue)}", ct);

    public Task<ListResponse<WorkItemDto>> ListWorkItemsAsync(string queue, string? state, int limit, string? after, CancellationToken ct)
    {
        var path = new StringBuilder($"api/v1/workitem-queues/{Segment(queue)}/items?limit={limit.ToString(CultureInfo.InvariantCulture)}");
        if (state is not null) path.Append("&state=").Append(Segment(state));
        if (after is not null) path.Append("&after=").Append(Segment(after));
        return GetAsync<ListResponse<WorkItemDto>>(path.ToString(), ct);
    }

    public Task<WorkItemDto> GetWorkItemAsync(string queue, string id, CancellationToken ct) =>
        GetAsync<WorkItemDto>($"api/v1/workitem-queues/{Segment(queue)}/items/{Segment(id)}", ct);

    public Task<WorkItemTriggerDto> SetWorkItemTriggerAsync(string queue, SetWorkItemTriggerRequest request, CancellationToken ct) =>
        SendJsonAsync<WorkItemTriggerDto>(HttpMethod.Put, $"api/v1/workitem-queues/{Segment(queue)}/trigger", request, ct);

    public Task<WorkItemTriggerDto> GetWorkItemTriggerAsync(string queue, CancellationToken ct) =>
        GetAsync<WorkItemTriggerDto>($"api/v1/workitem-queues/{Segment(queue)}/trigger", ct);

    public Task DeleteWorkItemTriggerAsync(string queue, CancellationToken ct) => DeleteAsync($"api/v1/workitem-queues/{Segment(queue)}/trigger", ct);
}
