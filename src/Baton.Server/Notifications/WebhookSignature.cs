using System.Security.Cryptography;
using System.Text;

namespace Baton.Server.Notifications;

/// <summary>
/// <c>Baton-Signature: v1=&lt;hex HMAC-SHA256(secret, "{timestamp}.{body}")&gt;</c>, where the timestamp is the
/// <c>Baton-Timestamp</c> header (unix seconds): a receiver checks both, so a captured request cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string EventHeader = "Baton-Event";
    public const string DeliveryHeader = "Baton-Delivery";
    public const string TimestampHeader = "Baton-Timestamp";
    public const string SignatureHeader = "Baton-Signature";

    public static string Compute(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{body}"));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>Constant-time check of a received signature header.</summary>
    public static bool Verify(string secret, long timestamp, string body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(secret, timestamp, body)), Encoding.ASCII.GetBytes(header));
}
