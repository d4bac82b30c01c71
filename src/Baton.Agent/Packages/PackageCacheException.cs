namespace Baton.Agent.Packages;

/// <summary>
/// A package could not be cached: its bytes do not match the SHA-256, or the zip is unsafe or corrupt.
/// <see cref="InvalidPackage"/>: the archive itself breaks the package rule, so every agent and every
/// attempt would fail the same way (a job fails at once instead of spending its retries).
/// </summary>
public sealed class PackageCacheException(string message, Exception? inner = null, bool invalidPackage = false) : Exception(message, inner)
{
    public bool InvalidPackage { get; } = invalidPackage;
}
