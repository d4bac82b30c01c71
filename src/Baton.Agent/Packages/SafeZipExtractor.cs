using System.IO.Compression;
using Baton.Core.Packages;

namespace Baton.Agent.Packages;

/// <summary>
/// Extracts a package zip by the server's own rule (<see cref="PackageArchiveInspector.CheckStructure"/>:
/// names, links, duplicates, sizes and ratios) and writes each entry no larger than its header declares,
/// refusing a CRC-32 that does not match. An archive that breaks the rule is refused before anything is
/// written; one found corrupt while writing leaves only the temporary folder, which the cache deletes.
/// </summary>
public static class SafeZipExtractor
{
    private static readonly PackageArchiveInspector Rule = new(new PackageArchiveLimits());

    public static void Extract(string zipPath, string targetDirectory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(targetDirectory);
        var root = Path.GetFullPath(targetDirectory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageCacheException($"The package is not a valid zip: {ex.Message}", ex, invalidPackage: true);
        }

        using (archive)
        {
            if (Rule.CheckStructure(archive, cancellationToken) is { } refused)
                throw new PackageCacheException($"The package cannot be extracted: {refused.Reason}.", invalidPackage: true);
            foreach (var entry in archive.Entries)
            {
                var name = PackagePaths.Resolve(entry.FullName)!;
                var destination = Path.GetFullPath(Path.Combine(root, name));
                // The rule already refused every '..' and rooted name; this is the last line of defence.
                if (!destination.StartsWith(root, StringComparison.Ordinal))
                    throw new PackageCacheException($"The package entry '{PackageEntryRules.Shown(entry.FullName)}' escapes the package folder.", invalidPackage: true);
                if (PackageEntryRules.IsDirectory(entry))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                string? corrupt;
                using (var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write))
                    corrupt = PackageEntryContent.Copy(entry, file, cancellationToken);
                if (corrupt is not null)
                    throw new PackageCacheException($"The package cannot be extracted: {corrupt}.", invalidPackage: true);
            }
        }
    }
}
