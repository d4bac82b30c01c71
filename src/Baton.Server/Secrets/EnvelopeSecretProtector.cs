using System.Collections.Concurrent;
using System.Text;
using Baton.Core.Secrets;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Secrets;

/// <summary>
/// Envelope encryption of tenant secrets: each tenant gets a random data key (AES-256-GCM) on its first secret;
/// the store keeps it only wrapped under the primary master key, which never enters the database. Secrets are
/// sealed with the tenant's newest data key and carry its version. Unwrapped data keys are cached in memory, so
/// protecting or reading a secret costs no database round trip after the first.
/// </summary>
public sealed class EnvelopeSecretProtector(IBatonStore store, MasterKeyProvider masterKeys, TimeProvider time) : ISecretProtector
{
    /// <summary>How long this replica keeps using the newest data key version it knows before looking again.</summary>
    private static readonly TimeSpan NewestVersionLifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Tenant, int Version), byte[]> _dataKeys = new();
    private readonly ConcurrentDictionary<string, (int Version, DateTimeOffset At)> _newest = new(StringComparer.Ordinal);

    public async Task<string> ProtectAsync(string tenantId, string purpose, string plaintext, CancellationToken cancellationToken)
    {
        var (version, key) = await NewestDataKeyAsync(tenantId, cancellationToken);
        var sealedMessage = AesGcmEnvelope.Seal(key, Encoding.UTF8.GetBytes(plaintext), ProtectedValue.AssociatedData(tenantId, purpose));
        return ProtectedValue.Format(version, sealedMessage);
    }

    public async Task<string> UnprotectAsync(string tenantId, string purpose, string protectedValue, CancellationToken cancellationToken)
    {
        if (!ProtectedValue.TryParse(protectedValue, out var version, out var sealedMessage))
        {
            throw new SecretUnavailableException("The stored value is not a protected secret (bsec1:…).");
        }
        var key = await DataKeyAsync(tenantId, version, cancellationToken);
        var plaintext = AesGcmEnvelope.Open(key, sealedMessage, ProtectedValue.AssociatedData(tenantId, purpose))
            ?? throw new SecretUnavailableException($"The protected secret does not open for tenant {tenantId} and {purpose}: it is damaged or belongs elsewhere.");
        return Encoding.UTF8.GetString(plaintext);
    }

    private async Task<(int Version, byte[] Key)> NewestDataKeyAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (_newest.TryGetValue(tenantId, out var newest) && time.GetUtcNow() - newest.At < NewestVersionLifetime
            && _dataKeys.TryGetValue((tenantId, newest.Version), out var cached))
        {
            return (newest.Version, cached);
        }
        var keys = await store.DataKeys.ListAsync(tenantId, cancellationToken);
        if (keys.Count == 0)
        {
            // The tenant's first secret: make its data key. Another replica may make one at the same moment; the first stored wins.
            var fresh = AesGcmEnvelope.NewKey();
            var primary = masterKeys.Current().Primary;
            await store.DataKeys.AddAsync(new DataKeyRecord(tenantId, 1, primary.Id, DataKeyWrapping.Wrap(primary, tenantId, 1, fresh), time.GetUtcNow()), cancellationToken);
            keys = await store.DataKeys.ListAsync(tenantId, cancellationToken);
        }
        var record = keys[^1];
        var key = Unwrap(record);
        _dataKeys[(tenantId, record.Version)] = key;
        _newest[tenantId] = (record.Version, time.GetUtcNow());
        return (record.Version, key);
    }

    private async Task<byte[]> DataKeyAsync(string tenantId, int version, CancellationToken cancellationToken)
    {
        if (_dataKeys.TryGetValue((tenantId, version), out var cached)) return cached;
        var record = (await store.DataKeys.ListAsync(tenantId, cancellationToken)).FirstOrDefault(k => k.Version == version)
            ?? throw new SecretUnavailableException($"Tenant {tenantId} has no data key version {version}.");
        var key = Unwrap(record);
        _dataKeys[(tenantId, version)] = key;
        return key;
    }

    private byte[] Unwrap(DataKeyRecord record)
    {
        var master = masterKeys.Current().Find(record.MasterKeyId) ?? masterKeys.Reload().Find(record.MasterKeyId)
            ?? throw new SecretUnavailableException(
                $"Data key {record.Version} of tenant {record.TenantId} is wrapped by master key {record.MasterKeyId}, which this server does not hold " +
                $"(its keys: {string.Join(", ", masterKeys.Current().Keys.Select(k => k.Id))}). Every replica needs the same master keys; see docs/security.md.");
        return DataKeyWrapping.Unwrap(master, record)
            ?? throw new SecretUnavailableException($"Data key {record.Version} of tenant {record.TenantId} does not open under master key {record.MasterKeyId}: it is damaged.");
    }
}

/// <summary>How a data key is sealed under a master key: AES-GCM bound to the key's tenant and version.</summary>
public static class DataKeyWrapping
{
    public static string Wrap(MasterKey master, string tenantId, int version, byte[] dataKey) =>
        Convert.ToBase64String(AesGcmEnvelope.Seal(master.Key, dataKey, ProtectedValue.DataKeyAssociatedData(tenantId, version)));

    public static byte[]? Unwrap(MasterKey master, DataKeyRecord record)
    {
        var bytes = new byte[record.WrappedKey.Length];
        return Convert.TryFromBase64String(record.WrappedKey, bytes, out var written)
            ? AesGcmEnvelope.Open(master.Key, bytes.AsSpan(0, written), ProtectedValue.DataKeyAssociatedData(record.TenantId, record.Version))
            : null;
    }
}
