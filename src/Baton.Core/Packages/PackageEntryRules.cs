using System.IO.Compression;

namespace Baton.Core.Packages;

/// <summary>
/// What an entry of a package zip may be — one rule for the server, which refuses an upload that
/// breaks it, and for the agent, which refuses to extract such an archive. Whatever the server
/// accepts, every agent can extract.
/// </summary>
public static class PackageEntryRules
{
    /// <summary>Unix file type bits (upper 16 bits of the external attributes) of a symbolic link.</summary>
    private const int SymlinkType = 0xA000;

    /// <summary>
    /// Null when the name is acceptable, else why not. Names are relative with <c>/</c> (or <c>\</c>)
    /// separators, valid UTF-8 (the replacement character marks bytes that were not), free of control
    /// characters, and contain no <c>..</c> segment at all — not even one that stays inside the root.
    /// </summary>
    public static (PackageRejection Rejection, string Reason)? CheckName(string name)
    {
        var shown = Shown(name);
        if (name.Length == 0) return (PackageRejection.InvalidName, "an entry has an empty name");
        if (name.Contains('\0', StringComparison.Ordinal)) return (PackageRejection.InvalidName, $"entry '{shown}' has a NUL character in its name");
        if (name.Any(char.IsControl)) return (PackageRejection.InvalidName, $"entry '{shown}' has a control character in its name");
        if (name.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return (PackageRejection.InvalidName, $"entry '{shown}' has a name that is not valid UTF-8");
        }
        if (PackagePaths.IsAbsolute(name))
        {
            return (PackageRejection.AbsolutePath, $"entry '{shown}' has an absolute path; paths must be relative to the package root");
        }
        if (name.Replace('\\', '/').Split('/').Contains(".."))
        {
            return PackagePaths.Resolve(name) is null
                ? (PackageRejection.PathEscapesRoot, $"entry '{shown}' escapes the package root")
                : (PackageRejection.PathEscapesRoot, $"entry '{shown}' has a '..' segment; package paths may not contain '..'");
        }
        if (PackagePaths.Resolve(name) is not { Length: > 0 })
        {
            return (PackageRejection.InvalidName, $"entry '{shown}' names no file or folder");
        }
        return null;
    }

    public static bool IsSymlink(ZipArchiveEntry entry) => ((entry.ExternalAttributes >> 16) & 0xF000) == SymlinkType;

    public static bool IsDirectory(ZipArchiveEntry entry) => entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\');

    /// <summary>A name as it may appear in an error: control characters made visible, long names shortened.</summary>
    public static string Shown(string name)
    {
        var visible = string.Concat(name.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        return visible.Length <= 200 ? visible : string.Concat(visible.AsSpan(0, 200), $"…({visible.Length:N0} characters)");
    }

    /// <summary>
    /// The paths an archive extracts to, so that two entries never land on one file: an exact or
    /// case-only duplicate (one file on Windows and macOS agents), or a file that is also a folder.
    /// </summary>
    public sealed class PathSet
    {
        private readonly Dictionary<string, (string Path, bool IsDirectory)> _paths = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Null when the entry adds a new path, else why the archive is refused.</summary>
        public string? Add(string name, bool isDirectory)
        {
            var path = PackagePaths.Resolve(name)!;
            var segments = path.Split('/');
            for (var i = 1; i < segments.Length; i++)
            {
                var parent = string.Join('/', segments[..i]);
                if (_paths.TryGetValue(parent, out var existing) && !existing.IsDirectory)
                {
                    return $"entry '{Shown(name)}' lies inside '{Shown(existing.Path)}', which is a file";
                }
                _paths.TryAdd(parent, (parent, true));
            }
            if (_paths.TryGetValue(path, out var same))
            {
                if (same.IsDirectory && isDirectory) return null;
                if (same.IsDirectory) return $"entry '{Shown(name)}' is a file where the archive also has a folder";
                return same.Path == path
                    ? $"the archive holds '{Shown(path)}' more than once"
                    : $"entries '{Shown(same.Path)}' and '{Shown(path)}' differ only in case and would be one file on some agents";
            }
            _paths[path] = (path, isDirectory);
            return null;
        }
    }
}

/// <summary>Reads an entry's content the way extraction will, checking it against what its headers promise.</summary>
public static class PackageEntryContent
{
    private const int BufferSize = 81920;

    /// <summary>
    /// Decompresses the entry to the end, refusing more bytes than it declares (a lying header is a
    /// bomb in disguise) and a CRC-32 that does not match (extraction would fail on every agent).
    /// Null when the content is sound, else why not.
    /// </summary>
    public static string? Verify(ZipArchiveEntry entry, CancellationToken cancellationToken) => Copy(entry, null, cancellationToken);

    /// <summary>
    /// <see cref="Verify"/> while writing the content to <paramref name="destination"/> (the agent's
    /// extraction): what reaches the file is never more than the header declared.
    /// </summary>
    public static string? Copy(ZipArchiveEntry entry, Stream? destination, CancellationToken cancellationToken)
    {
        var crc = new System.IO.Hashing.Crc32();
        var buffer = new byte[BufferSize];
        long total = 0;
        try
        {
            using var content = entry.Open();
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                total += read;
                if (total > entry.Length)
                {
                    return $"entry '{PackageEntryRules.Shown(entry.FullName)}' holds more than the {entry.Length:N0} bytes its header declares";
                }
                crc.Append(buffer.AsSpan(0, read));
                destination?.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            return $"entry '{PackageEntryRules.Shown(entry.FullName)}' is corrupt: {ex.Message}";
        }
        if (total != entry.Length)
        {
            return $"entry '{PackageEntryRules.Shown(entry.FullName)}' holds {total:N0} bytes but its header declares {entry.Length:N0}";
        }
        if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
        {
            return $"entry '{PackageEntryRules.Shown(entry.FullName)}' is corrupt: its CRC-32 does not match its content";
        }
        return null;
    }
}
