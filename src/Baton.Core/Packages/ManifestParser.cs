using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Core.Dispatch;
using Semver;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Packages;

/// <summary>Parses and validates <c>baton.yaml</c>.</summary>
public static partial class ManifestParser
{
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MaxMaxAttempts = 20;

    private static readonly string[] KnownFields =
    [
        "name", "version", "entrypoint", "description", "python", "requirements",
        "capabilities", "timeout", "max_attempts", "parameters", "cpu", "memory_mb", "preload", "isolation",
    ];

    /// <summary>
    /// Parses manifest YAML. Never throws on bad input: every problem is returned as a
    /// <see cref="ManifestError"/> naming the field at fault. Hostile documents (alias bombs, complex
    /// keys, huge value counts) are refused in time linear in the text; only a cancellation throws.
    /// </summary>
    public static ManifestParseResult Parse(string yaml, CancellationToken cancellationToken = default)
    {
        try
        {
            return ParseValidated(yaml, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Every known problem is an error value; this is the backstop for one we did not foresee.
            return new ManifestParseResult(null, [new ManifestError(ManifestYamlReader.DocumentField, $"could not read the manifest: {ex.Message}")]);
        }
    }

    private static ManifestParseResult ParseValidated(string yaml, CancellationToken cancellationToken)
    {
        if (!ManifestYamlReader.TryLoad(yaml, cancellationToken, out var root, out var loadError)) return new ManifestParseResult(null, [loadError!]);

        var errors = new List<ManifestError>();
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in root!.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "?";
            if (KnownFields.Contains(key)) fields[key] = valueNode;
            else errors.Add(new ManifestError(key, $"unknown field{FieldSuggestions.Hint(key, KnownFields)}; known fields are {string.Join(", ", KnownFields)}"));
        }

        var name = ReadRequired(fields, "name", errors) is { } nameText ? ReadName(nameText, errors) : null;
        var version = ReadRequired(fields, "version", errors) is { } versionText ? ReadVersion(versionText, errors) : null;
        var entrypoint = ReadRequired(fields, "entrypoint", errors) is { } entryText ? ReadEntrypoint(entryText, errors) : null;
        var description = ReadOptionalString(fields, "description", errors);
        var python = ReadOptionalString(fields, "python", errors) is { } pythonText ? ReadPythonRange(pythonText, errors) : null;
        var requirements = ReadOptionalString(fields, "requirements", errors) is { } requirementsText
            ? ReadPath(requirementsText, "requirements", errors)
            : null;
        var capabilities = fields.TryGetValue("capabilities", out var capabilitiesNode) ? ReadCapabilities(capabilitiesNode, errors) : [];
        var timeout = fields.TryGetValue("timeout", out var timeoutNode) && !ManifestYamlReader.IsNull(timeoutNode)
            ? ReadTimeout(timeoutNode, errors)
            : PackageManifest.DefaultTimeoutSeconds;
        var maxAttempts = fields.TryGetValue("max_attempts", out var attemptsNode) && !ManifestYamlReader.IsNull(attemptsNode)
            ? ReadMaxAttempts(attemptsNode, errors)
            : 1;
        var cpu = fields.TryGetValue("cpu", out var cpuNode) && !ManifestYamlReader.IsNull(cpuNode) ? ReadCpu(cpuNode, errors) : null;
        var memory = fields.TryGetValue("memory_mb", out var memoryNode) && !ManifestYamlReader.IsNull(memoryNode) ? ReadMemory(memoryNode, errors) : null;
        var parameters = fields.TryGetValue("parameters", out var parametersNode)
            ? ParameterSpecReader.Read(parametersNode, errors)
            : [];
        var preload = fields.TryGetValue("preload", out var preloadNode) ? ReadPreload(preloadNode, errors) : [];
        var isolation = ReadOptionalString(fields, "isolation", errors) is { } isolationText ? ReadIsolation(isolationText, errors) : JobIsolation.Warm;

        if (errors.Count > 0 || name is null || version is null || entrypoint is null) return new ManifestParseResult(null, errors);
        var manifest = new PackageManifest
        {
            Name = name,
            Version = version,
            Entrypoint = entrypoint,
            Description = description,
            Python = python,
            Requirements = requirements,
            Capabilities = capabilities,
            TimeoutSeconds = timeout,
            MaxAttempts = maxAttempts,
            Cpu = cpu,
            MemoryMb = memory,
            Parameters = parameters,
            Preload = preload,
            Isolation = isolation,
        };
        return new ManifestParseResult(manifest, []);
    }

    private static string? ReadRequired(Dictionary<string, YamlNode> fields, string field, List<ManifestError> errors)
    {
        if (!fields.TryGetValue(field, out var node) || ManifestYamlReader.IsNull(node))
        {
            errors.Add(new ManifestError(field, "is required"));
            return null;
        }
        var text = ManifestYamlReader.ReadString(node, field, errors)?.Trim();
        if (text is "")
        {
            errors.Add(new ManifestError(field, "is required"));
            return null;
        }
        return text;
    }

    private static string? ReadOptionalString(Dictionary<string, YamlNode> fields, string field, List<ManifestError> errors) =>
        fields.TryGetValue(field, out var node) && !ManifestYamlReader.IsNull(node)
            ? ManifestYamlReader.ReadString(node, field, errors)?.Trim()
            : null;

    private static string? ReadName(string name, List<ManifestError> errors)
    {
        if (NamePattern().IsMatch(name)) return name;
        errors.Add(new ManifestError("name", $"'{name}' is not a valid package name: use at most 100 lower-case letters, digits, '-', '_' and '.', starting with a letter or digit"));
        return null;
    }

    private static string? ReadVersion(string text, List<ManifestError> errors)
    {
        // Accept the forms people write (v1.2.0, 1.2) and store one normal form, so 1.2 and 1.2.0 are one version.
        if (SemVersion.TryParse(text, SemVersionStyles.AllowV | SemVersionStyles.OptionalPatch, out var version)) return version.ToString();
        errors.Add(new ManifestError("version", $"'{text}' is not a semantic version such as 1.0.0 or 2.1.0-beta.1"));
        return null;
    }

    private static PackageEntrypoint? ReadEntrypoint(string text, List<ManifestError> errors)
    {
        if (text.EndsWith(".py", StringComparison.Ordinal))
        {
            var script = ReadPath(text, "entrypoint", errors);
            return script is null ? null : new PackageEntrypoint { Script = script };
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            errors.Add(new ManifestError("entrypoint", $"'{text}' must be 'module:function' (e.g. main:run) or a path to a .py script"));
            return null;
        }
        var module = text[..colon].Trim();
        var function = text[(colon + 1)..].Trim();
        var ok = true;
        if (!PythonNames.IsModulePath(module))
        {
            errors.Add(new ManifestError("entrypoint", $"'{module}' is not a Python module path such as main or jobs.nightly"));
            ok = false;
        }
        if (!PythonNames.IsIdentifier(function))
        {
            errors.Add(new ManifestError("entrypoint", $"'{function}' is not a Python function name"));
            ok = false;
        }
        return ok ? new PackageEntrypoint { Module = module, Function = function } : null;
    }

    private static string? ReadPath(string text, string field, List<ManifestError> errors)
    {
        if (PackagePaths.TryNormaliseManifestPath(text, out var normalised, out var error)) return normalised;
        errors.Add(new ManifestError(field, error!));
        return null;
    }

    private static string? ReadPythonRange(string text, List<ManifestError> errors)
    {
        if (RequirementMatcher.IsValidPythonRange(text, out var error)) return text;
        errors.Add(new ManifestError("python", $"{error}; expected a range such as >=3.9 or >=3.9,<3.13"));
        return null;
    }

    private static List<string> ReadCapabilities(YamlNode node, List<ManifestError> errors)
    {
        var capabilities = new List<string>();
        if (ManifestYamlReader.IsNull(node)) return capabilities;
        if (node is not YamlSequenceNode sequence)
        {
            errors.Add(new ManifestError("capabilities", $"must be a list such as [os=linux, browser=chromium], not {ManifestYamlReader.Show(node)}"));
            return capabilities;
        }
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"capabilities[{i}]";
            var text = ManifestYamlReader.ReadString(sequence.Children[i], field, errors);
            if (text is null) continue;
            if (Requirement.TryParse(text, out var requirement, out var error)) capabilities.Add(requirement!.Text);
            else errors.Add(new ManifestError(field, error!));
        }
        return capabilities;
    }

    private static List<string> ReadPreload(YamlNode node, List<ManifestError> errors)
    {
        var modules = new List<string>();
        if (ManifestYamlReader.IsNull(node)) return modules;
        if (node is not YamlSequenceNode sequence)
        {
            errors.Add(new ManifestError("preload", $"must be a list of module names such as [pandas, jobs.common], not {ManifestYamlReader.Show(node)}"));
            return modules;
        }
        if (sequence.Children.Count > PackageManifest.MaxPreloadModules)
        {
            errors.Add(new ManifestError("preload", $"lists {sequence.Children.Count} modules; at most {PackageManifest.MaxPreloadModules} are allowed"));
            return modules;
        }
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"preload[{i}]";
            var text = ManifestYamlReader.ReadString(sequence.Children[i], field, errors)?.Trim();
            if (text is null) continue;
            if (!PythonNames.IsModulePath(text)) errors.Add(new ManifestError(field, $"'{text}' is not a Python module path such as pandas or jobs.common"));
            else if (!modules.Contains(text)) modules.Add(text);
        }
        return modules;
    }

    private static JobIsolation ReadIsolation(string text, List<ManifestError> errors)
    {
        if (JobIsolations.TryParse(text, out var isolation)) return isolation;
        errors.Add(new ManifestError("isolation", $"'{text}' must be warm (a forked, pre-imported interpreter; the default) or fresh (a new interpreter for every job)"));
        return JobIsolation.Warm;
    }

    private static int ReadTimeout(YamlNode node, List<ManifestError> errors)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (!DurationParser.TryParse(text, out var duration))
        {
            errors.Add(new ManifestError("timeout", $"{ManifestYamlReader.Show(node)} is not a duration: use seconds (600) or units such as 30s, 5m, 2h, 1h30m"));
            return 0;
        }
        if (duration < TimeSpan.FromSeconds(1) || duration.TotalSeconds > MaxTimeoutSeconds)
        {
            errors.Add(new ManifestError("timeout", $"'{text}' is out of range: a timeout lies between 1s and 7 days"));
            return 0;
        }
        return (int)duration.TotalSeconds;
    }

    private static int ReadMaxAttempts(YamlNode node, List<ManifestError> errors)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) && attempts is >= 1 and <= MaxMaxAttempts) return attempts;
        errors.Add(new ManifestError("max_attempts", $"{ManifestYamlReader.Show(node)} must be a whole number from 1 to {MaxMaxAttempts}"));
        return 0;
    }

    private static decimal? ReadCpu(YamlNode node, List<ManifestError> errors)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cores) && ResourceRequests.IsValidCpu(cores)) return cores;
        errors.Add(new ManifestError("cpu", $"{ManifestYamlReader.Show(node)} {ResourceRequests.CpuRule}"));
        return null;
    }

    private static long? ReadMemory(YamlNode node, List<ManifestError> errors)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) && ResourceRequests.IsValidMemory(mb)) return mb;
        errors.Add(new ManifestError("memory_mb", $"{ManifestYamlReader.Show(node)} {ResourceRequests.MemoryRule}"));
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

public sealed record ManifestError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

public sealed record ManifestParseResult(PackageManifest? Manifest, IReadOnlyList<ManifestError> Errors)
{
    public bool IsValid => Manifest is not null && Errors.Count == 0;
}
