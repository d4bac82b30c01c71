namespace Baton.Agent.Jobs;

/// <summary>
/// The credential secrets one attempt was given: every log line of the job is sent with them replaced by <c>***</c>.
/// A secret is added before the job receives it, so no line the job prints afterwards escapes. Thread-safe.
/// </summary>
public sealed class SecretMask
{
    public const string Replacement = "***";

    /// <summary>Shorter secrets are not masked: replacing every occurrence of two or three characters would wreck the log, not protect it.</summary>
    public const int MinLength = 4;

    private volatile string[] _secrets = [];
    private readonly Lock _lock = new();

    public int Count => _secrets.Length;

    public void Add(string secret)
    {
        if (secret.Length < MinLength)
            return;
        lock (_lock)
        {
            if (_secrets.Contains(secret, StringComparer.Ordinal))
                return;
            // Longest first: a secret that contains another is replaced whole.
            _secrets = [.. _secrets.Append(secret).OrderByDescending(s => s.Length)];
        }
    }

    public string Apply(string text)
    {
        var secrets = _secrets;
        foreach (var secret in secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Replacement, StringComparison.Ordinal);
        }

        return text;
    }
}
