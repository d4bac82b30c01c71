using System.Text.Json;

namespace Baton.Storage.Model;

/// <summary>
/// One entry of a tenant's event log. <see cref="Id"/> counts up per tenant without gaps in commit
/// order (1, 2, 3 …), so a reader's cursor "after id N" never skips an event committed later.
/// </summary>
public sealed record TenantEventRecord(
    string TenantId,
    long Id,
    string Type,
    string SubjectId,
    JsonElement Payload,
    DateTimeOffset CreatedAt);

/// <summary>An event to append; the store gives it its id and time.</summary>
public sealed record NewTenantEvent(string TenantId, string Type, string SubjectId, JsonElement Payload);
