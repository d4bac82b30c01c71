using Baton.Core.Packages;

namespace Baton.Core.Api;

public sealed record PackageVersionDto(
    string Name,
    string Version,
    string Sha256,
    long SizeBytes,
    PackageManifest Manifest,
    DateTimeOffset CreatedAt);

public sealed record PackageSummaryDto(string Name, string LatestVersion, int VersionCount, DateTimeOffset UpdatedAt);

/// <summary>Answer to an upload: <see cref="Created"/> is false when an identical version already existed.</summary>
public sealed record PackageUploadResponse(PackageVersionDto Package, bool Created);
