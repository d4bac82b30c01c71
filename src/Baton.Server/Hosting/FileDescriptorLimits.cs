namespace Baton.Server.Hosting;

/// <summary>The soft and hard limits on open file descriptors (RLIMIT_NOFILE) of this process.</summary>
public readonly record struct FileDescriptorLimits(ulong Soft, ulong Hard);
