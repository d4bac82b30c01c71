using System.IO.Compression;

namespace Baton.Cli.Packaging;

/// <summary>
/// Zips a package folder the same way every time: entries in ordinal order of their forward-slash
/// paths, one fixed timestamp, and without version-control, cache and environment folders.
/// </summary>
public static class PackageZipper
{
    /// <summary>Folders never shipped in a package, at any depth.</summary>
    public static IReadOnlySet<string> ExcludedFolders { get; } =
        new HashSet<string>(StringComparer.Ordinal) { ".git", "__pycache__", ".venv", "node_modules" };

    /// <summary>File extensions never shipped: compiled Python is rebuilt on the agent.</summary>
    public static IReadOnlySet<string> ExcludedExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".pyc" };

    // Zip timestamps cannot predate 1980; any fixed value makes the archive's bytes reproducible.
    private static readonly DateTimeOffset EntryTimestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The package's files as forward-slash paths relative to <paramref name="folder"/>, sorted ordinally.</summary>
    public static IReadOnlyList<string> ListEntries(string folder)
    {
        var root = new DirectoryInfo(folder);
        if (!root.Exists) throw new DirectoryNotFoundException($"{folder} is not a folder.");
        var entries = new List<string>();
        Collect(root, "", entries);
        entries.Sort(StringComparer.Ordinal);
        return entries;
    }

    /// <summary>Writes the zip of <paramref name="folder"/> to <paramref name="output"/>; returns the entry count.</summary>
    public static int WriteZip(string folder, Stream output)
    {
        var entries = ListEntries(folder);
        using var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var relative in entries)
        {
            var entry = archive.CreateEntry(relative, CompressionLevel.Optimal);
            entry.LastWriteTime = EntryTimestamp;
            using var source = File.OpenRead(Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar)));
            using var target = entry.Open();
            source.CopyTo(target);
        }
        return entries.Count;
    }

    private static void Collect(DirectoryInfo folder, string prefix, List<string> entries)
    {
        foreach (var item in folder.EnumerateFileSystemInfos())
        {
            // A symlinked folder could loop or escape the package; the server refuses links anyway.
            if (item.LinkTarget is not null && item is DirectoryInfo) continue;
            var relative = prefix + item.Name;
            switch (item)
            {
                case DirectoryInfo directory when !ExcludedFolders.Contains(directory.Name):
                    Collect(directory, relative + "/", entries);
                    break;
                case FileInfo file when !ExcludedExtensions.Contains(file.Extension):
                    entries.Add(relative);
                    break;
            }
        }
    }
}
