namespace Baton.Core.Secrets;

/// <summary>
/// Encrypts tenant secrets kept at rest (webhook signing secrets today; asset credentials next) and reads
/// them back. A protected value is bound to its tenant and its purpose (e.g. <c>webhook:wh_…</c>): moved to
/// another tenant's row, or to another purpose, it does not decrypt.
/// </summary>
public interface ISecretProtector
{
    /// <summary>The text to store in place of <paramref name="plaintext"/> (see <see cref="ProtectedValue"/>).</summary>
    Task<string> ProtectAsync(string tenantId, string purpose, string plaintext, CancellationToken cancellationToken);

    /// <summary>The plaintext of a value made by <see cref="ProtectAsync"/> for the same tenant and purpose.</summary>
    /// <exception cref="SecretUnavailableException">The value is damaged, bound to something else, or its key is unavailable.</exception>
    Task<string> UnprotectAsync(string tenantId, string purpose, string protectedValue, CancellationToken cancellationToken);
}

/// <summary>A protected value that cannot be read back: damaged, moved, or wrapped by a master key this server lacks.</summary>
public sealed class SecretUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
