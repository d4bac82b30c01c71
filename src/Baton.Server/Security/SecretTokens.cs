using System.Security.Cryptography;
using System.Text;

namespace Baton.Server.Security;

/// <summary>
/// Secrets (API keys, enrollment tokens, agent credentials) are random, shown once and stored
/// only as SHA-256. A record's id is derived from the secret's hash, so any presented secret —
/// including an operator-chosen bootstrap key — can be looked up without a scan.
/// </summary>
public static class SecretTokens
{
    public static string NewApiKey() => "bk_" + RandomPart();

    public static string NewEnrollmentToken() => "be_" + RandomPart();

    public static string NewAgentCredential() => "ba_" + RandomPart();

    /// <summary>A webhook signing secret (kept as is: it signs every delivery).</summary>
    public static string NewWebhookSecret() => "whsec_" + RandomPart();

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>The record id for a secret: a prefix of its hash.</summary>
    public static string IdFor(string secret) => Hash(secret)[..16];

    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));

    public static string NewId(string prefix) =>
        prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static string RandomPart() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
