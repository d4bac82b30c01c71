using Baton.Storage.Model;
using Semver;

namespace Baton.Server.Packages;

public static class PackageVersions
{
    /// <summary>The highest version by semantic-version precedence (a release beats its pre-releases).</summary>
    public static PackageVersionRecord? Latest(IEnumerable<PackageVersionRecord> versions) =>
        versions
            .Select(v => (Record: v, Parsed: SemVersion.TryParse(v.Version, SemVersionStyles.Any, out var parsed) ? parsed : null))
            .Where(v => v.Parsed is not null)
            .OrderByDescending(v => v.Parsed!, SemVersion.PrecedenceComparer)
            .ThenByDescending(v => v.Record.CreatedAt)
            .Select(v => v.Record)
            .FirstOrDefault();

    /// <summary>Normalises a user-typed version (e.g. <c>1.0</c> is not valid semver, <c>v1.0.0</c> drops the v) or null.</summary>
    public static string? Normalise(string version) =>
        SemVersion.TryParse(version.TrimStart('v', 'V'), SemVersionStyles.Strict, out var parsed) ? parsed.ToString() : null;
}
