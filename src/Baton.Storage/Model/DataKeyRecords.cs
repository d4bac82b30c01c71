namespace Baton.Storage.Model;

/// <summary>
/// One of a tenant's data keys, as stored: sealed ("wrapped") under the master key <see cref="MasterKeyId"/>,
/// never in the clear. Versions count from 1; the newest seals new secrets, older ones still open old secrets.
/// </summary>
public sealed record DataKeyRecord(string TenantId, int Version, string MasterKeyId, string WrappedKey, DateTimeOffset CreatedAt);

/// <summary>A stored secret of some owner (a webhook …): what secret migration and re-encryption read and replace.</summary>
public sealed record StoredSecret(string TenantId, string OwnerId, string Value);
