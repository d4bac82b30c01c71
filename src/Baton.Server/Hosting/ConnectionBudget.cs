namespace Baton.Server.Hosting;

/// <summary>How many client connections a server can hold given its open-file limit.</summary>
public static class ConnectionBudget
{
    /// <summary>Descriptors kept back for everything that is not a client connection: database pools, blobs, logs, the runtime.</summary>
    public static long Reserve(ulong softLimit) => Math.Max(256, (long)Math.Min(softLimit / 8, 4096));

    /// <summary>The connection limit for these file limits (null, off Linux: no limit).</summary>
    public static long? For(FileDescriptorLimits? limits)
    {
        if (limits is not { } known || known.Soft >= long.MaxValue) return null;
        return Math.Max(64, (long)known.Soft - Reserve(known.Soft));
    }
}
