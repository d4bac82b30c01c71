using System.IO.Compression;
using System.Text;

namespace Baton.Core.Packages;

/// <summary>Caps that protect the server from hostile or accidental package archives.</summary>
public sealed record PackageArchiveLimits
{
    public long MaxArchiveBytes { get; init; } = 100L * 1024 * 1024;
    public int MaxEntries { get; init; } = 10_000;
    public long MaxUncompressedBytes { get; init; } = 1024L * 1024 * 1024;
    /// <summary>Largest allowed uncompressed/compressed ratio, per entry and overall.</summary>
    public double MaxCompressionRatio { get; init; } = 200;
}

/// <summary>
/// Validates a package zip without extracting it to disk: a real zip, no path escaping the root,
/// no symlinks, within the caps, a valid <c>baton.yaml</c> at the root, the entrypoint and the
/// requirements file present.
/// </summary>
public sealed class PackageArchiveInspector(PackageArchiveLimits limits)
{
    /// <summary>The manifest is read into memory; a real one is a few KiB.</summary>
    public const int MaxManifestBytes = 1024 * 1024;

    /// <summary>Small entries compress wildly (a 1 MiB file of zeros is ~1000:1) without being a threat.</summary>
    private const long RatioCheckThreshold = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public PackageArchiveLimits Limits { get; } = limits;

    /// <summary>Inspects a seekable stream holding the whole archive. Never throws on bad input.</summary>
    public PackageInspection Inspect(Stream archive)
    {
        try
        {
            if (!archive.CanSeek) return InspectCopy(archive);
            if (archive.Length > Limits.MaxArchiveBytes)
            {
                return PackageInspection.Reject(PackageRejection.TooLarge,
                    $"the archive is {archive.Length:N0} bytes; the limit is {Limits.MaxArchiveBytes:N0}");
            }
            if (archive.Length == 0) return PackageInspection.Reject(PackageRejection.NotAZip, "the upload is empty, not a zip archive");
            if (ZipEndRecordProbe.ReadDeclaredEntryCount(archive) is { } declared && declared > Limits.MaxEntries)
            {
                return TooManyEntries(declared);
            }
            archive.Position = 0;
            using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
            return InspectZip(zip);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or NotSupportedException or IOException)
        {
            return PackageInspection.Reject(PackageRejection.NotAZip, $"the upload is not a readable zip archive: {ex.Message}");
        }
    }

    private PackageInspection InspectCopy(Stream archive)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = archive.Read(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
            if (copy.Length > Limits.MaxArchiveBytes)
            {
                return PackageInspection.Reject(PackageRejection.TooLarge, $"the archive is larger than the limit of {Limits.MaxArchiveBytes:N0} bytes");
            }
        }
        copy.Position = 0;
        return Inspect(copy);
    }

    private PackageInspection InspectZip(ZipArchive zip)
    {
        var entries = zip.Entries;
        if (entries.Count > Limits.MaxEntries) return TooManyEntries(entries.Count);

        var files = new Dictionary<string, List<ZipArchiveEntry>>(StringComparer.Ordinal);
        long totalUncompressed = 0;
        long totalCompressed = 0;
        foreach (var entry in entries)
        {
            if (CheckEntry(entry) is { } rejection) return rejection;
            totalUncompressed += entry.Length;
            totalCompressed += entry.CompressedLength;
            if (totalUncompressed > Limits.MaxUncompressedBytes)
            {
                return PackageInspection.Reject(PackageRejection.ZipBomb,
                    $"the archive unpacks to more than {Limits.MaxUncompressedBytes:N0} bytes (reached at entry '{entry.FullName}')");
            }
            var path = PackagePaths.Resolve(entry.FullName)!;
            if (path.Length == 0 || IsDirectory(entry)) continue;
            if (!files.TryGetValue(path, out var same)) files[path] = same = [];
            same.Add(entry);
        }
        if (totalUncompressed > RatioCheckThreshold && Ratio(totalUncompressed, totalCompressed) > Limits.MaxCompressionRatio)
        {
            return PackageInspection.Reject(PackageRejection.ZipBomb,
                $"the archive compresses {Ratio(totalUncompressed, totalCompressed):N0}:1 overall; the limit is {Limits.MaxCompressionRatio:N0}:1");
        }

        var manifestResult = ReadManifest(files);
        if (manifestResult.Rejection is { } manifestRejection) return manifestRejection;
        var manifest = manifestResult.Manifest!;

        if (!EntrypointExists(manifest.Entrypoint, files, out var expected))
        {
            return PackageInspection.Reject(PackageRejection.EntrypointNotFound,
                $"entrypoint '{manifest.Entrypoint}' not found: the archive has no {expected}");
        }
        if (manifest.Requirements is { } requirements && !files.ContainsKey(requirements))
        {
            return PackageInspection.Reject(PackageRejection.RequirementsNotFound,
                $"requirements file '{requirements}' named in baton.yaml is not in the archive");
        }
        return new PackageInspection(manifest, PackageRejection.None, null, entries.Count, totalUncompressed);
    }

    private PackageInspection? CheckEntry(ZipArchiveEntry entry)
    {
        var name = entry.FullName;
        if (PackagePaths.IsAbsolute(name))
        {
            return PackageInspection.Reject(PackageRejection.AbsolutePath, $"entry '{name}' has an absolute path; paths must be relative to the package root");
        }
        if (PackagePaths.Resolve(name) is null)
        {
            return PackageInspection.Reject(PackageRejection.PathEscapesRoot, $"entry '{name}' escapes the package root");
        }
        // Unix mode bits live in the upper 16 bits of the external attributes; S_IFLNK marks a symlink.
        if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
        {
            return PackageInspection.Reject(PackageRejection.Symlink, $"entry '{name}' is a symbolic link; packages may not contain links");
        }
        if (entry.Length > RatioCheckThreshold && Ratio(entry.Length, entry.CompressedLength) > Limits.MaxCompressionRatio)
        {
            return PackageInspection.Reject(PackageRejection.ZipBomb,
                $"entry '{name}' compresses {Ratio(entry.Length, entry.CompressedLength):N0}:1; the limit is {Limits.MaxCompressionRatio:N0}:1");
        }
        return null;
    }

    private static (PackageManifest? Manifest, PackageInspection? Rejection) ReadManifest(Dictionary<string, List<ZipArchiveEntry>> files)
    {
        if (!files.TryGetValue(PackageManifest.FileName, out var candidates))
        {
            return (null, PackageInspection.Reject(PackageRejection.ManifestMissing, DescribeMissingManifest(files.Keys)));
        }
        if (candidates.Count > 1)
        {
            return (null, PackageInspection.Reject(PackageRejection.ManifestInvalid, "the archive holds baton.yaml more than once"));
        }
        var entry = candidates[0];
        if (entry.Length > MaxManifestBytes)
        {
            return (null, PackageInspection.Reject(PackageRejection.ManifestInvalid, $"baton.yaml is larger than {MaxManifestBytes:N0} bytes"));
        }
        string yaml;
        try
        {
            // The declared size can lie, so the read itself is capped too.
            using var content = entry.Open();
            var buffer = new byte[MaxManifestBytes + 1];
            var length = content.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxManifestBytes)
            {
                return (null, PackageInspection.Reject(PackageRejection.ManifestInvalid, $"baton.yaml is larger than {MaxManifestBytes:N0} bytes"));
            }
            var bytes = buffer.AsSpan(0, length);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
            yaml = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (null, PackageInspection.Reject(PackageRejection.ManifestInvalid, "baton.yaml is not UTF-8 text"));
        }
        var parsed = ManifestParser.Parse(yaml);
        if (!parsed.IsValid)
        {
            return (null, PackageInspection.Reject(PackageRejection.ManifestInvalid, $"baton.yaml is invalid: {string.Join("; ", parsed.Errors)}"));
        }
        return (parsed.Manifest, null);
    }

    private static string DescribeMissingManifest(IEnumerable<string> files)
    {
        var paths = files.ToList();
        var nested = paths.Where(p => p.EndsWith("/" + PackageManifest.FileName, StringComparison.Ordinal)).OrderBy(p => p.Length).FirstOrDefault();
        if (nested is not null)
        {
            return $"baton.yaml must be at the archive root, but it is at '{nested}' (zip the folder's contents, not the folder)";
        }
        var lookalike = paths.FirstOrDefault(p => !p.Contains('/', StringComparison.Ordinal)
            && (p.Equals("baton.yaml", StringComparison.OrdinalIgnoreCase) || p.Equals("baton.yml", StringComparison.OrdinalIgnoreCase)));
        return lookalike is not null
            ? $"no baton.yaml at the archive root; found '{lookalike}', but the manifest must be named exactly baton.yaml"
            : "no baton.yaml at the archive root";
    }

    private static bool EntrypointExists(PackageEntrypoint entrypoint, Dictionary<string, List<ZipArchiveEntry>> files, out string expected)
    {
        if (entrypoint.Script is { } script)
        {
            expected = $"'{script}'";
            return files.ContainsKey(script);
        }
        var modulePath = entrypoint.Module!.Replace('.', '/');
        expected = $"'{modulePath}.py' or '{modulePath}/__init__.py'";
        return files.ContainsKey(modulePath + ".py") || files.ContainsKey(modulePath + "/__init__.py");
    }

    private static bool IsDirectory(ZipArchiveEntry entry) => entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\');

    private static double Ratio(long uncompressed, long compressed) => compressed <= 0 ? double.PositiveInfinity : (double)uncompressed / compressed;

    private PackageInspection TooManyEntries(long count) =>
        PackageInspection.Reject(PackageRejection.TooManyEntries, $"the archive has {count:N0} entries; the limit is {Limits.MaxEntries:N0}");
}

/// <summary>Stable codes for why an archive was refused.</summary>
public enum PackageRejection
{
    None,
    NotAZip,
    TooLarge,
    TooManyEntries,
    PathEscapesRoot,
    AbsolutePath,
    Symlink,
    ZipBomb,
    ManifestMissing,
    ManifestInvalid,
    EntrypointNotFound,
    RequirementsNotFound,
}

public sealed record PackageInspection(
    PackageManifest? Manifest,
    PackageRejection Rejection,
    string? Reason,
    int EntryCount,
    long UncompressedBytes)
{
    public bool IsValid => Rejection == PackageRejection.None && Manifest is not null;

    public static PackageInspection Reject(PackageRejection rejection, string reason) => new(null, rejection, reason, 0, 0);
}
