namespace Baton.Server.Secrets;

/// <summary>
/// Where the master keys of secrets at rest come from (<c>Baton:Server:Secrets:…</c>). With neither set, the
/// server keeps a generated key in <c>DATA/master.key</c> (mode 0600) — zero configuration for one machine;
/// several replicas need the same keys, so give them <see cref="MasterKeys"/> or a shared <see cref="MasterKeyFile"/>.
/// </summary>
public sealed class SecretsOptions
{
    /// <summary>
    /// Comma-separated base64 master keys, the primary first (also read from the <c>BATON_MASTER_KEYS</c>
    /// environment variable). Wins over <see cref="MasterKeyFile"/>.
    /// </summary>
    public string? MasterKeys { get; set; }

    /// <summary>
    /// A key file: one base64 master key per line, the primary first, <c>#</c> comments. Re-read when it changes,
    /// so a key added for rotation is used without a restart. Default: <c>DATA/master.key</c>, generated when missing.
    /// </summary>
    public string? MasterKeyFile { get; set; }
}
