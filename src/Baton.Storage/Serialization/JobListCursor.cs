using System.Globalization;
using System.Text;

namespace Baton.Storage.Serialization;

/// <summary>
/// The opaque cursor of a newest-first job listing: the (submitted at, id) of the last job of a
/// page, so the next page starts strictly after it (keyset pagination, stable under inserts).
/// </summary>
internal readonly record struct JobListCursor(long SubmittedAtMs, string JobId)
{
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{SubmittedAtMs}:{JobId}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string? cursor, out JobListCursor decoded)
    {
        decoded = default;
        if (string.IsNullOrWhiteSpace(cursor) || cursor.Length > 512) return false;
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written)) return false;
        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1) return false;
        if (!long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
        decoded = new JobListCursor(ms, text[(colon + 1)..]);
        return true;
    }
}
