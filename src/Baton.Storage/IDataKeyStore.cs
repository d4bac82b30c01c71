using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Tenants' wrapped data keys (envelope encryption of secrets at rest). The store never sees a key in the
/// clear: wrapping and unwrapping happen above it, with master keys it does not hold.
/// </summary>
public interface IDataKeyStore
{
    /// <summary>The tenant's data keys, oldest version first.</summary>
    Task<IReadOnlyList<DataKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Adds a version; false when the tenant already has that version (another writer was first).</summary>
    Task<bool> AddAsync(DataKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Across tenants: up to <paramref name="limit"/> data keys wrapped under any master key but <paramref name="masterKeyId"/>.</summary>
    Task<IReadOnlyList<DataKeyRecord>> ListWrappedWithOtherKeysAsync(string masterKeyId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a data key's wrapping if it is still the one <paramref name="current"/> holds (compare-and-set, so
    /// two replicas re-wrapping at once cannot lose a key); false when it changed meanwhile.
    /// </summary>
    Task<bool> RewrapAsync(DataKeyRecord current, string masterKeyId, string wrappedKey, CancellationToken cancellationToken);

    /// <summary>Across tenants: how many data keys each master key wraps.</summary>
    Task<IReadOnlyDictionary<string, int>> CountByMasterKeyAsync(CancellationToken cancellationToken);
}
