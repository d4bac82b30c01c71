namespace Baton.Server.Autoscaling;

/// <summary>The autoscaler role (<c>Baton:Server:Autoscaler:…</c>).</summary>
public sealed class AutoscalerOptions
{
    /// <summary>How often the role looks at its targets (each policy still evaluates at its own interval).</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a replica's hold on a target lasts without renewal; another replica takes over after it. 15 s (renewed
    /// every 5 s) keeps the takeover after a replica dies within the 30 s recovery target (RecoveryTests measures it).
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Decisions and anomalies older than this are dropped.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A failed job that ran less than this counts towards a failure storm.</summary>
    public TimeSpan FastFailure { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A policy file applied at start (<c>baton up --autoscale FILE</c>).</summary>
    public string? PolicyFile { get; set; }

    /// <summary>Apply the built-in local policy at start when no policy exists (<c>baton up --autoscale</c>).</summary>
    public bool DefaultPolicy { get; set; }

    /// <summary>The local provider: where its agents connect, keep their data, and how they are started.</summary>
    public LocalAgentOptions LocalAgents { get; set; } = new();
}

/// <summary>Settings of the <c>local</c> provider, which starts <c>baton agent</c> processes on this machine.</summary>
public sealed class LocalAgentOptions
{
    /// <summary>The URL the agents use to reach this server; empty = the server's first listen address.</summary>
    public string? ServerUrl { get; set; }

    /// <summary>Folder of the agents' data (identity, package cache, venvs); empty = <c>DATA/autoscaled-agents</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The program that runs the <c>baton</c> CLI (with <see cref="Arguments"/> before <c>agent …</c>); empty = this process's own.</summary>
    public string? Program { get; set; }

    /// <summary>Leading arguments of <see cref="Program"/>, e.g. the path of <c>baton.dll</c> when the program is <c>dotnet</c>.</summary>
    public List<string> Arguments { get; set; } = [];

    /// <summary>Slots per agent unless the policy's provider says <c>slots</c>.</summary>
    public int Slots { get; set; } = 4;

    /// <summary>How long a stopping server waits for its agents before killing them.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
