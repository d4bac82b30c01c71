namespace Baton.Agent;

/// <summary>How a Baton agent connects and runs jobs. Validate with <see cref="Validate"/> before use.</summary>
public sealed record AgentOptions
{
    /// <summary>Server base URLs, tried in order; the agent fails over on connection errors and 5xx.
    /// May be empty when a saved identity (agent.json) lists them.</summary>
    public IReadOnlyList<Uri> ServerUrls { get; init; } = [];

    /// <summary>Tenant enrollment token, needed only on the first start (no saved identity).</summary>
    public string? EnrollmentToken { get; init; }

    public string Name { get; init; } = Environment.MachineName;

    public int Slots { get; init; } = 4;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The agent group; a queue lists the groups that serve it.</summary>
    public string Group { get; init; } = Core.Dispatch.AgentGroupNames.Default;

    /// <summary>Holds agent.json, the package cache, venvs, the runtime module and job work dirs.</summary>
    public required string DataDirectory { get; init; }

    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time between SIGTERM and SIGKILL when a job is stopped.</summary>
    public TimeSpan TerminateGrace { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan LogFlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Fork jobs from warm interpreters (where fork exists); false starts every job in a new interpreter.</summary>
    public bool WarmInterpreters { get; init; } = true;

    public Python.Warm.WarmInterpreterOptions Warm { get; init; } = new();

    /// <summary>The problems with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var url in ServerUrls)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                errors.Add($"Server URL '{url}' must be an absolute http(s) URL.");
        }

        if (string.IsNullOrWhiteSpace(Name))
            errors.Add("Name must not be empty.");
        else if (Name.Length > 200)
            errors.Add("Name must be at most 200 characters.");
        if (Slots is < 1 or > 1024)
            errors.Add($"Slots must be between 1 and 1024 (was {Slots}).");
        if (!Core.Dispatch.AgentGroupNames.IsValid(Group))
            errors.Add($"Group '{Group}' is not valid: {Core.Dispatch.AgentGroupNames.Rule}.");
        if (string.IsNullOrWhiteSpace(DataDirectory))
            errors.Add("DataDirectory must not be empty.");
        if (PollWait < TimeSpan.FromSeconds(1) || PollWait > TimeSpan.FromMinutes(5))
            errors.Add($"PollWait must be between 1 s and 5 min (was {PollWait}).");
        if (TerminateGrace < TimeSpan.Zero || TerminateGrace > TimeSpan.FromMinutes(10))
            errors.Add($"TerminateGrace must be between 0 and 10 min (was {TerminateGrace}).");
        if (LogFlushInterval < TimeSpan.FromMilliseconds(10) || LogFlushInterval > TimeSpan.FromMinutes(1))
            errors.Add($"LogFlushInterval must be between 10 ms and 1 min (was {LogFlushInterval}).");
        errors.AddRange(Warm.Validate());
        foreach (var (key, _) in Labels)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Contains('='))
                errors.Add($"Label key '{key}' must be non-empty and must not contain '='.");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when the options are invalid.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid agent options: " + string.Join(" ", errors));
    }
}
