namespace Baton.Core.Packages;

/// <summary>Parses and validates <c>baton.yaml</c>.</summary>
public static class ManifestParser
{
    /// <summary>
    /// Parses manifest YAML. Never throws on bad input: every problem is returned as a
    /// <see cref="ManifestError"/> naming the field at fault.
    /// </summary>
    public static ManifestParseResult Parse(string yaml) => throw new NotImplementedException();
}

public sealed record ManifestError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

public sealed record ManifestParseResult(PackageManifest? Manifest, IReadOnlyList<ManifestError> Errors)
{
    public bool IsValid => Manifest is not null && Errors.Count == 0;
}
