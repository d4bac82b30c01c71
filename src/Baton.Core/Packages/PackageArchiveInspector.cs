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
/// Validates a package zip without extracting it to disk: a real zip whose entries pass
/// <see cref="PackageEntryRules"/> (the rule the agent extracts by), no symlinks, no two entries on one
/// path, within the caps, every entry's content matching its size and CRC-32, a valid <c>baton.yaml</c>
/// at the root, the entrypoint and the requirements file present, and a <c>module:function</c> entrypoint's
/// function defined by its module (<see cref="EntrypointFunctionCheck"/>). Cancellable throughout.
/// </summary>
public sealed class PackageArchiveInspector(PackageArchiveLimits limits)
{
    /// <summary>The manifest is read into memory; a real one is a few KiB.</summary>
    public const int MaxManifestBytes = 1024 * 1024;

    /// <summary>Small entries compress wildly (a 1 MiB file of zeros is ~1000:1) without being a threat.</summary>
    private const long RatioCheckThreshold = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public PackageArchiveLimits Limits { get; } = limits;

    /// <summary>Inspects a stream holding the whole archive. Never throws on bad input; only a cancellation throws.</summary>
    public PackageInspection Inspect(Stream archive, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!archive.CanSeek) return InspectCopy(archive, cancellationToken);
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
            return InspectZip(zip, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or NotSupportedException or IOException)
        {
            return PackageInspection.Reject(PackageRejection.NotAZip, $"the upload is not a readable zip archive: {ex.Message}");
        }
    }

    private PackageInspection InspectCopy(Stream archive, CancellationToken cancellationToken)
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
        return Inspect(copy, cancellationToken);
    }

    /// <summary>
    /// The structural rule every archive must pass, read from the central directory alone: entry count,
    /// names (<see cref="PackageEntryRules"/>), links, one entry per path, total size and compression
    /// ratios. The agent applies the same check before it extracts. Null when the archive passes.
    /// </summary>
    public PackageInspection? CheckStructure(ZipArchive zip, CancellationToken cancellationToken)
    {
        var entries = zip.Entries;
        if (entries.Count > Limits.MaxEntries) return TooManyEntries(entries.Count);
        var paths = new PackageEntryRules.PathSet();
        long totalUncompressed = 0;
        long totalCompressed = 0;
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (CheckEntry(entry) is { } rejection) return rejection;
            if (paths.Add(entry.FullName, IsDirectory(entry)) is { } duplicate) return PackageInspection.Reject(PackageRejection.DuplicateEntry, duplicate);
            totalUncompressed += entry.Length;
            totalCompressed += entry.CompressedLength;
            if (totalUncompressed > Limits.MaxUncompressedBytes)
            {
                return PackageInspection.Reject(PackageRejection.ZipBomb,
                    $"the archive unpacks to more than {Limits.MaxUncompressedBytes:N0} bytes (reached at entry '{PackageEntryRules.Shown(entry.FullName)}')");
            }
        }
        if (totalUncompressed > RatioCheckThreshold && Ratio(totalUncompressed, totalCompressed) > Limits.MaxCompressionRatio)
        {
            return PackageInspection.Reject(PackageRejection.ZipBomb,
                $"the archive compresses {Ratio(totalUncompressed, totalCompressed):N0}:1 overall; the limit is {Limits.MaxCompressionRatio:N0}:1");
        }
        return null;
    }

    private PackageInspection InspectZip(ZipArchive zip, CancellationToken cancellationToken)
    {
        if (CheckStructure(zip, cancellationToken) is { } refused) return refused;
        var entries = zip.Entries;
        long totalUncompressed = 0;
        var files = new Dictionary<string, List<ZipArchiveEntry>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            totalUncompressed += entry.Length;
            var path = PackagePaths.Resolve(entry.FullName)!;
            if (path.Length == 0 || IsDirectory(entry)) continue;
            if (!files.TryGetValue(path, out var same)) files[path] = same = [];
            same.Add(entry);
        }

        var manifestResult = ReadManifest(files, cancellationToken);
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
        // Last, as it reads everything: sizes and ratios were checked on the headers, this checks the headers.
        foreach (var entry in entries)
        {
            if (IsDirectory(entry)) continue;
            if (PackageEntryContent.Verify(entry, cancellationToken) is { } corrupt) return PackageInspection.Reject(PackageRejection.CorruptEntry, corrupt);
        }
        if (EntrypointFunctionCheck.Check(manifest.Entrypoint, files) is { } missing) return PackageInspection.Reject(PackageRejection.EntrypointFunctionNotFound, missing);
        return new PackageInspection(manifest, PackageRejection.None, null, entries.Count, totalUncompressed);
    }

    private PackageInspection? CheckEntry(ZipArchiveEntry entry)
    {
        var name = PackageEntryRules.Shown(entry.FullName);
        if (PackageEntryRules.CheckName(entry.FullName) is { } bad) return PackageInspection.Reject(bad.Rejection, bad.Reason);
        if (PackageEntryRules.IsSymlink(entry))
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

    private static (PackageManifest? Manifest, PackageInspection? Rejection) ReadManifest(
        Dictionary<string, List<ZipArchiveEntry>> files, CancellationToken cancellationToken)
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
        var parsed = ManifestParser.Parse(yaml, cancellationToken);
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

    private static bool IsDirectory(ZipArchiveEntry entry) => PackageEntryRules.IsDirectory(entry);

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
    EntrypointFunctionNotFound,
    RequirementsNotFound,
    InvalidName,
    DuplicateEntry,
    CorruptEntry,
}

public static class PackageRejections
{
    /// <summary>The stable <c>reason</c> code an API refusal carries.</summary>
    public static string Code(this PackageRejection rejection) => rejection switch
    {
        PackageRejection.NotAZip => "not_a_zip",
        PackageRejection.TooLarge => "too_large",
        PackageRejection.TooManyEntries => "too_many_entries",
        PackageRejection.PathEscapesRoot => "path_escapes_root",
        PackageRejection.AbsolutePath => "absolute_path",
        PackageRejection.Symlink => "symlink",
        PackageRejection.ZipBomb => "zip_bomb",
        PackageRejection.ManifestMissing => "manifest_missing",
        PackageRejection.ManifestInvalid => "manifest_invalid",
        PackageRejection.EntrypointNotFound => "entrypoint_not_found",
        PackageRejection.EntrypointFunctionNotFound => "entrypoint_function_not_found",
        PackageRejection.RequirementsNotFound => "requirements_not_found",
        PackageRejection.InvalidName => "invalid_name",
        PackageRejection.DuplicateEntry => "duplicate_entry",
        PackageRejection.CorruptEntry => "corrupt_entry",
        _ => "invalid",
    };
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
