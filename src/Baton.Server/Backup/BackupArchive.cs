using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Baton.Server.Backup;

/// <summary>
/// The archive format: a gzip-compressed tar whose first entry is <c>manifest.json</c>. Entry names are a closed set
/// (the database, the master key, content-addressed blobs), so extracting can never write outside its folder.
/// </summary>
public static partial class BackupArchive
{
    /// <summary>Plenty for tens of thousands of blobs; a bigger "manifest" is not one of ours.</summary>
    private const long MaxManifestBytes = 64L * 1024 * 1024;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static bool IsAllowedEntry(string path) =>
        path is BackupManifest.DatabaseEntry or BackupManifest.PostgresDumpEntry or BackupManifest.MasterKeyEntry || BlobEntryPattern().IsMatch(path);

    /// <summary>True for a blob entry whose file name is its own SHA-256 under the right fan-out folder.</summary>
    public static bool IsBlobEntry(string path, out string sha256)
    {
        var match = BlobEntryPattern().Match(path);
        sha256 = match.Success ? match.Groups["sha"].Value : "";
        return match.Success && match.Groups["fan"].Value == sha256[..2];
    }

    [GeneratedRegex("^blobs/sha256/(?<fan>[0-9a-f]{2})/(?<sha>[0-9a-f]{64})$")]
    private static partial Regex BlobEntryPattern();

    /// <summary>Writes the manifest then every file it lists (read from <paramref name="stagingFolder"/>), owner-only.</summary>
    public static async Task WriteAsync(string archivePath, BackupManifest manifest, string stagingFolder, CancellationToken ct)
    {
        var full = Path.GetFullPath(archivePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Written beside the target and renamed, so a crash never leaves a half archive under the final name.
        var partial = full + ".partial";
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = OwnerOnly;
            await using (var file = new FileStream(partial, fileOptions))
            {
                await using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var manifestEntry = new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.EntryName)
                    {
                        DataStream = new MemoryStream(manifest.ToJson()),
                        ModificationTime = manifest.CreatedAt,
                        Mode = OwnerOnly,
                    };
                    await tar.WriteEntryAsync(manifestEntry, ct);
                    foreach (var item in manifest.Files)
                    {
                        await using var content = File.OpenRead(Path.Combine(stagingFolder, item.Path));
                        var entry = new PaxTarEntry(TarEntryType.RegularFile, item.Path)
                        {
                            DataStream = content,
                            ModificationTime = manifest.CreatedAt,
                            Mode = OwnerOnly,
                        };
                        await tar.WriteEntryAsync(entry, ct);
                    }
                }
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, full, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>
    /// Extracts every entry into <paramref name="folder"/>, checking each against the manifest as it streams by.
    /// Refuses (with the reason) a damaged gzip stream, a manifest that is not first, an entry the manifest does not
    /// list or lists with other bytes, and a listed entry the archive lacks.
    /// </summary>
    public static async Task<BackupManifest> ExtractCheckedAsync(string archivePath, string folder, CancellationToken ct)
    {
        if (!File.Exists(archivePath)) throw new BackupRefusedException($"{archivePath} does not exist.");
        try
        {
            await using var file = File.OpenRead(archivePath);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            var first = await tar.GetNextEntryAsync(copyData: false, ct)
                ?? throw new BackupRefusedException("the archive is empty.");
            if (first.Name != BackupManifest.EntryName || first.DataStream is null)
                throw new BackupRefusedException($"the archive's first entry is '{first.Name}', not manifest.json: not a Baton backup.");
            if (first.Length > MaxManifestBytes) throw new BackupRefusedException("manifest.json is implausibly large: not a Baton backup.");
            using var manifestBytes = new MemoryStream();
            await first.DataStream.CopyToAsync(manifestBytes, ct);
            var manifest = BackupManifest.Parse(manifestBytes.ToArray());
            var expected = CheckListedFiles(manifest);

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (!expected.TryGetValue(entry.Name, out var listed))
                    throw new BackupRefusedException($"the archive holds '{entry.Name}', which the manifest does not list.");
                if (!seen.Add(entry.Name)) throw new BackupRefusedException($"the archive holds '{entry.Name}' twice.");
                if (entry.EntryType != TarEntryType.RegularFile || entry.DataStream is null)
                    throw new BackupRefusedException($"'{entry.Name}' is a {entry.EntryType}, not a regular file.");
                var target = Path.Combine(folder, entry.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var (size, sha256) = await CopyHashedAsync(entry.DataStream, target, ct);
                if (size != listed.SizeBytes)
                    throw new BackupRefusedException($"'{entry.Name}' has {size} bytes; the manifest says {listed.SizeBytes}.");
                if (sha256 != listed.Sha256)
                    throw new BackupRefusedException($"'{entry.Name}' is damaged: its SHA-256 is {sha256}, the manifest says {listed.Sha256}.");
            }
            var missing = expected.Keys.Where(name => !seen.Contains(name)).ToList();
            if (missing.Count > 0)
                throw new BackupRefusedException($"the archive lacks {missing.Count} file(s) the manifest lists, e.g. '{missing[0]}' (truncated or incomplete).");
            // The tar ends before the gzip stream does: read that to its end as well, so that gzip's CRC-32, over every
            // byte (tar headers and padding too, which no manifest checksum covers), is checked. Without it a damaged
            // byte that lands in a header field or padding passed.
            await gzip.CopyToAsync(Stream.Null, ct);
            return manifest;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new BackupRefusedException($"the archive is damaged or truncated ({e.Message}).", e);
        }
    }

    private static Dictionary<string, BackupFile> CheckListedFiles(BackupManifest manifest)
    {
        var files = new Dictionary<string, BackupFile>(StringComparer.Ordinal);
        foreach (var item in manifest.Files)
        {
            if (item.Path is null || !IsAllowedEntry(item.Path))
                throw new BackupRefusedException($"the manifest lists '{item.Path}', which is not a file a Baton backup holds.");
            if (IsBlobEntry(item.Path, out var sha) && sha != item.Sha256)
                throw new BackupRefusedException($"the manifest lists blob '{item.Path}' with another checksum ({item.Sha256}).");
            if (!files.TryAdd(item.Path, item)) throw new BackupRefusedException($"the manifest lists '{item.Path}' twice.");
        }
        if (!files.ContainsKey(manifest.DatabaseFile)) throw new BackupRefusedException($"the manifest lists no database ({manifest.DatabaseFile}).");
        return files;
    }

    /// <summary>Copies to a new owner-only file while hashing; returns its size and lower-case hex SHA-256.</summary>
    public static async Task<(long Size, string Sha256)> CopyHashedAsync(Stream source, string targetPath, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        await using var target = new FileStream(targetPath, options);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81_920];
        long size = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            size += read;
        }
        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public static async Task<(long Size, string Sha256)> HashFileAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        var sha = await SHA256.HashDataAsync(file, ct);
        return (file.Length, Convert.ToHexStringLower(sha));
    }
}
