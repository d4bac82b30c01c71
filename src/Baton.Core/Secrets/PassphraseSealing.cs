using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Core.Secrets;

/// <summary>
/// Secrets carried by an export made with <c>--include-secrets</c>: sealed with AES-256-GCM under a key derived from a
/// passphrase the operator gives (PBKDF2-SHA256, a random salt per export), not with the tenant's data key — the target
/// deployment has other master keys, so the source's sealed values would not open there. Each value is bound to the asset
/// and agent group it belongs to; a <see cref="Check"/> value lets an import refuse a wrong passphrase before it writes
/// anything.
/// </summary>
public sealed class PassphraseSealing
{
    public const string Kdf = "pbkdf2-sha256";
    public const int DefaultIterations = 600_000;
    public const int MinimumPassphraseLength = 12;
    public const string Prefix = "bpass1:";
    private const string CheckText = "baton export passphrase check";

    private readonly byte[] _key;

    private PassphraseSealing(byte[] key, PassphraseParameters parameters)
    {
        _key = key;
        Parameters = parameters;
    }

    /// <summary>What the export stores so an import can derive the same key (no key, no passphrase) and test it.</summary>
    public PassphraseParameters Parameters { get; }

    /// <summary>A new sealing for one export: fresh salt, and the check value sealed with it.</summary>
    public static PassphraseSealing Create(string passphrase, int iterations = DefaultIterations)
    {
        CheckPassphrase(passphrase);
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Derive(passphrase, salt, iterations);
        var check = Convert.ToBase64String(AesGcmEnvelope.Seal(key, Encoding.UTF8.GetBytes(CheckText), CheckAssociatedData));
        return new PassphraseSealing(key, new PassphraseParameters(Kdf, iterations, Convert.ToBase64String(salt), check));
    }

    /// <summary>The sealing of an export, or null when <paramref name="passphrase"/> is not the one it was made with.</summary>
    /// <exception cref="FormatException">The parameters are not ones this version makes.</exception>
    public static PassphraseSealing? Open(string passphrase, PassphraseParameters parameters)
    {
        if (parameters.Kdf != Kdf) throw new FormatException($"The export's secrets are sealed with '{parameters.Kdf}'; this Baton reads {Kdf}.");
        if (parameters.Iterations is < 100_000 or > 10_000_000) throw new FormatException($"The export's key derivation has {parameters.Iterations} iterations; expected 100000 to 10000000.");
        byte[] salt;
        byte[] check;
        try
        {
            salt = Convert.FromBase64String(parameters.Salt);
            check = Convert.FromBase64String(parameters.Check);
        }
        catch (FormatException)
        {
            throw new FormatException("The export's passphrase salt or check is not base64.");
        }
        var key = Derive(passphrase, salt, parameters.Iterations);
        var opened = AesGcmEnvelope.Open(key, check, CheckAssociatedData);
        return opened is not null && Encoding.UTF8.GetString(opened) == CheckText ? new PassphraseSealing(key, parameters) : null;
    }

    /// <exception cref="ArgumentException">The passphrase is too short to protect secrets that leave the deployment.</exception>
    public static void CheckPassphrase(string passphrase)
    {
        if (passphrase.Length < MinimumPassphraseLength)
            throw new ArgumentException($"The passphrase must be at least {MinimumPassphraseLength} characters.", nameof(passphrase));
    }

    public string Seal(string assetName, string agentGroup, string secret) =>
        Prefix + Convert.ToBase64String(AesGcmEnvelope.Seal(_key, Encoding.UTF8.GetBytes(secret), AssociatedData(assetName, agentGroup)));

    /// <summary>The secret, or false when the value is damaged or belongs to another asset or group.</summary>
    public bool TryOpen(string assetName, string agentGroup, string sealedValue, [NotNullWhen(true)] out string? secret)
    {
        secret = null;
        if (!sealedValue.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var buffer = new byte[sealedValue.Length];
        if (!Convert.TryFromBase64Chars(sealedValue.AsSpan(Prefix.Length), buffer, out var written)) return false;
        var opened = AesGcmEnvelope.Open(_key, buffer.AsSpan(0, written), AssociatedData(assetName, agentGroup));
        if (opened is null) return false;
        secret = Encoding.UTF8.GetString(opened);
        return true;
    }

    private static readonly byte[] CheckAssociatedData = "baton/export/check"u8.ToArray();

    private static byte[] AssociatedData(string assetName, string agentGroup) => Encoding.UTF8.GetBytes($"baton/export/asset/{assetName}/{agentGroup}");

    private static byte[] Derive(string passphrase, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, AesGcmEnvelope.KeySize);
}

/// <summary>How an export's passphrase key is derived (<see cref="Salt"/> base64), and <see cref="Check"/>: a known text sealed with it.</summary>
public sealed record PassphraseParameters(string Kdf, int Iterations, string Salt, string Check);
