namespace Baton.Agent.Packages;

/// <summary>A package could not be cached: its bytes do not match the SHA-256, or the zip is unsafe or corrupt.</summary>
public sealed class PackageCacheException(string message, Exception? inner = null) : Exception(message, inner);
