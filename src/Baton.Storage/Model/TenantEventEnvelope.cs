using System.Text.Json;
using Baton.Storage.Serialization;

namespace Baton.Storage.Model;

/// <summary>
/// The JSON body a webhook receives (and the events API returns) for one event:
/// <c>{"id", "type", "tenantId", "subjectId", "createdAt", "data"}</c>.
/// </summary>
public static class TenantEventEnvelope
{
    public static string ToJson(TenantEventRecord tenantEvent) => JsonSerializer.Serialize(new
    {
        id = tenantEvent.Id,
        type = tenantEvent.Type,
        tenantId = tenantEvent.TenantId,
        subjectId = tenantEvent.SubjectId,
        createdAt = tenantEvent.CreatedAt,
        data = tenantEvent.Payload,
    }, StoredJson.Options);
}
