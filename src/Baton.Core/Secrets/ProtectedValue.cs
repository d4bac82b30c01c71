using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Baton.Core.Secrets;

/// <summary>
/// The stored form of a protected secret: <c>bsec1:&lt;data key version&gt;:&lt;base64 of nonce ‖ ciphertext ‖ tag&gt;</c>.
/// The version names which of the tenant's data keys sealed it, so rotated keys keep old values readable.
/// </summary>
public static class ProtectedValue
{
    public const string Prefix = "bsec1:";

    public static bool IsProtected([NotNullWhen(true)] string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    public static string Format(int dataKeyVersion, byte[] sealedMessage) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{dataKeyVersion}:{Convert.ToBase64String(sealedMessage)}");

    public static bool TryParse(string value, out int dataKeyVersion, [NotNullWhen(true)] out byte[]? sealedMessage)
    {
        dataKeyVersion = 0;
        sealedMessage = null;
        if (!IsProtected(value)) return false;
        var rest = value.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out dataKeyVersion) || dataKeyVersion < 1) return false;
        var buffer = new byte[rest.Length];
        if (!Convert.TryFromBase64Chars(rest[(colon + 1)..], buffer, out var written)) return false;
        sealedMessage = buffer[..written];
        return true;
    }

    /// <summary>What a secret is sealed with, besides its data key: its tenant and purpose.</summary>
    public static byte[] AssociatedData(string tenantId, string purpose) => Encoding.UTF8.GetBytes($"baton/secret/{tenantId}/{purpose}");

    /// <summary>What a data key is sealed with under a master key: its tenant and version.</summary>
    public static byte[] DataKeyAssociatedData(string tenantId, int version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"baton/data-key/{tenantId}/{version}"));
}
