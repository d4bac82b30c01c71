using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Packages;

/// <summary>
/// The parsed <c>baton.yaml</c> at a package's root. Serialised as JSON when stored beside a
/// package version and when sent to agents.
/// </summary>
public sealed record PackageManifest
{
    public required string Name { get; init; }
    /// <summary>Semantic version, normalised (e.g. <c>1.2.0</c>).</summary>
    public required string Version { get; init; }
    public required PackageEntrypoint Entrypoint { get; init; }
    public string? Description { get; init; }
    /// <summary>Python version range such as <c>&gt;=3.9,&lt;3.13</c>; null accepts any Python 3.</summary>
    public string? Python { get; init; }
    /// <summary>Path of a pip requirements file inside the package, or null.</summary>
    public string? Requirements { get; init; }
    /// <summary>Agent requirements such as <c>os=linux</c> or <c>browser=chromium</c>.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public int TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;
    public int MaxAttempts { get; init; } = 1;
    /// <summary>CPU cores a job needs by default (decimal), or null for no request.</summary>
    public decimal? Cpu { get; init; }
    /// <summary>Memory in MB a job needs by default, or null for no request.</summary>
    public long? MemoryMb { get; init; }
    public IReadOnlyDictionary<string, ParameterSpec> Parameters { get; init; } = new Dictionary<string, ParameterSpec>();
    /// <summary>Modules the agent imports once into a warm interpreter kept for this package version.</summary>
    public IReadOnlyList<string> Preload { get; init; } = [];
    /// <summary><c>isolation: fresh</c> starts every job in a new interpreter instead of a warm fork.</summary>
    public JobIsolation Isolation { get; init; } = JobIsolation.Warm;

    public const int DefaultTimeoutSeconds = 3600;
    public const int MaxPreloadModules = 50;
    public const string FileName = "baton.yaml";
}

/// <summary>Either <c>module:function</c> or a script path relative to the package root.</summary>
public sealed record PackageEntrypoint
{
    public string? Module { get; init; }
    public string? Function { get; init; }
    public string? Script { get; init; }

    [JsonIgnore]
    public bool IsScript => Script is not null;

    /// <summary>The text form: <c>module:function</c> or the script path.</summary>
    public override string ToString() => Script ?? $"{Module}:{Function}";
}

public enum ParameterType
{
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

public sealed record ParameterSpec
{
    [JsonConverter(typeof(JsonStringEnumConverter<ParameterType>))]
    public ParameterType Type { get; init; } = ParameterType.String;
    public bool Required { get; init; }
    public JsonElement? Default { get; init; }
    public string? Description { get; init; }
}
