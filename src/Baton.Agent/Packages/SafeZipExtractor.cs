using System.IO.Compression;

namespace Baton.Agent.Packages;

/// <summary>
/// Extracts a package zip with the server's path-safety rules: no entry may escape the target
/// (<c>..</c> segments, absolute or drive-rooted paths) and no entry may be a symlink.
/// </summary>
public static class SafeZipExtractor
{
    public const int MaxEntries = 10_000;
    public const long MaxUncompressedBytes = 1024L * 1024 * 1024;

    public static void Extract(string zipPath, string targetDirectory)
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
            throw new PackageCacheException($"The package is not a valid zip: {ex.Message}", ex);
        }

        using (archive)
        {
            if (archive.Entries.Count > MaxEntries)
                throw new PackageCacheException($"The package has {archive.Entries.Count} entries; at most {MaxEntries} are allowed.");
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                var name = entry.FullName.Replace('\\', '/');
                CheckEntryName(name);
                var unixType = (entry.ExternalAttributes >> 16) & 0xF000;
                if (unixType == 0xA000)
                    throw new PackageCacheException($"The package entry '{name}' is a symlink; symlinks are not allowed.");
                total += entry.Length;
                if (total > MaxUncompressedBytes)
                    throw new PackageCacheException("The package expands beyond the 1 GiB limit.");
                var destination = Path.GetFullPath(Path.Combine(root, name));
                if (!destination.StartsWith(root, StringComparison.Ordinal) && destination + Path.DirectorySeparatorChar != root)
                    throw new PackageCacheException($"The package entry '{name}' escapes the package folder.");
                if (name.EndsWith('/'))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                try
                {
                    entry.ExtractToFile(destination, overwrite: false);
                }
                catch (InvalidDataException ex)
                {
                    throw new PackageCacheException($"The package entry '{name}' is corrupt: {ex.Message}", ex);
                }
            }
        }
    }

    private static void CheckEntryName(string name)
    {
        if (name.Length == 0)
            throw new PackageCacheException("The package has an entry with an empty name.");
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':') || Path.IsPathRooted(name))
            throw new PackageCacheException($"The package entry '{name}' has an absolute path.");
        if (name.Split('/').Any(segment => segment == ".."))
            throw new PackageCacheException($"The package entry '{name}' escapes the package folder ('..').");
        if (name.Contains('\0'))
            throw new PackageCacheException($"The package entry '{name}' has an invalid name.");
    }
}
