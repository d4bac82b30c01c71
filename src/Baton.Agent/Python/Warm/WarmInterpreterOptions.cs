namespace Baton.Agent.Python.Warm;

/// <summary>Limits of the agent's warm interpreters.</summary>
public sealed record WarmInterpreterOptions
{
    /// <summary>A warm interpreter is replaced after this many forks (a bound on anything that creeps).</summary>
    public int MaxForks { get; init; } = 2_000;

    /// <summary>…or once its resident memory exceeds this many MB.</summary>
    public int MaxMemoryMb { get; init; } = 512;

    /// <summary>At most this many warm interpreters at once; the least recently used one is retired for a new one.</summary>
    public int MaxInterpreters { get; init; } = 8;

    /// <summary>How long a warm interpreter may take to import everything (heavy <c>preload:</c> modules take a while).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After a warm interpreter failed to start, its jobs start cold for this long before it is tried again.</summary>
    public TimeSpan RetryAfterFailure { get; init; } = TimeSpan.FromMinutes(1);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxForks < 1)
            errors.Add($"Warm MaxForks must be at least 1 (was {MaxForks}).");
        if (MaxMemoryMb < 16)
            errors.Add($"Warm MaxMemoryMb must be at least 16 (was {MaxMemoryMb}).");
        if (MaxInterpreters is < 1 or > 256)
            errors.Add($"Warm MaxInterpreters must be between 1 and 256 (was {MaxInterpreters}).");
        if (ReadyTimeout <= TimeSpan.Zero)
            errors.Add("Warm ReadyTimeout must be positive.");
        if (RetryAfterFailure < TimeSpan.Zero)
            errors.Add("Warm RetryAfterFailure must not be negative.");
        return errors;
    }
}
