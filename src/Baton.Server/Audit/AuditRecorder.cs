using System.Net;
using System.Text.Json;
using Baton.Core.Auth;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Audit;

/// <summary>
/// Appends audit entries: the caller (API key id, its tenant and role, system admin or not), the source address,
/// and a summary without secrets. An entry is written right after its change committed, in its own transaction:
/// when that write fails the request fails (500) although the change stands, and the error is logged.
/// </summary>
public sealed class AuditRecorder(IBatonStore store, TimeProvider time)
{
    public Task<AuditEntryRecord> RecordAsync(
        HttpContext context, string tenantId, string action, string targetType, string targetId, JsonElement summary, CancellationToken cancellationToken)
    {
        var caller = context.GetCaller();
        var actor = new AuditActor(AuditActor.ApiKeyType, caller.KeyId, caller.TenantId, caller.Role.ToText(), caller.IsSystemAdmin);
        return store.Audit.AppendAsync(new NewAuditEntry(
            tenantId, time.GetUtcNow(), actor, action, targetType, targetId, SourceAddress(context), summary), cancellationToken);
    }

    /// <summary>The peer's address as the server saw it (IPv4 shown plainly, not as ::ffff:a.b.c.d).</summary>
    public static string? SourceAddress(HttpContext context) => context.Connection.RemoteIpAddress is { } address ? Plain(address).ToString() : null;

    public static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
