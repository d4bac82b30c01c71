using System.Collections.Concurrent;
using System.Security.Cryptography;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Packages;

/// <summary>
/// Content-addressed package cache: <c>{root}/{sha256}/</c> holds the extracted package, extracted
/// once per SHA-256 and shared by every job. A package is downloaded to a temp file, verified,
/// extracted to a temp folder with path-safety checks, made read-only and then renamed into place,
/// so a half-written folder is never visible. Concurrent requests for one package download it once.
/// </summary>
public sealed class PackageCache
{
    /// <summary>Copies the zip with the given SHA-256 into the stream (e.g. from the server).</summary>
    public delegate Task PackageDownloader(string sha256, Stream destination, CancellationToken cancellationToken);

    private readonly string _root;
    private readonly PackageDownloader _download;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public PackageCache(string root, PackageDownloader download, ILogger<PackageCache> logger)
    {
        _root = root;
        _download = download;
        _logger = logger;
        Directory.CreateDirectory(Path.Combine(_root, ".tmp"));
    }

    /// <summary>
    /// SHA-256s of the packages already extracted here (newest first, at most <see cref="PollRequest.MaxCachedPackages"/>),
    /// for locality-aware dispatch and prefetch.
    /// </summary>
    public IReadOnlyList<string> CachedPackages() =>
        Directory.Exists(_root)
            ? new DirectoryInfo(_root).EnumerateDirectories()
                .Where(dir => IsSha256(dir.Name))
                .OrderByDescending(dir => dir.CreationTimeUtc)
                .Take(PollRequest.MaxCachedPackages)
                .Select(dir => dir.Name)
                .ToList()
            : [];

    /// <summary>The folder holding the extracted package, downloading it first when needed.</summary>
    public async Task<string> EnsureAsync(string sha256, CancellationToken cancellationToken)
    {
        sha256 = sha256.ToLowerInvariant();
        if (!IsSha256(sha256))
            throw new PackageCacheException($"'{sha256}' is not a SHA-256 hex digest.");
        var folder = Path.Combine(_root, sha256);
        if (Directory.Exists(folder))
            return folder;

        var gate = _locks.GetOrAdd(sha256, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(folder))
                return folder;
            await DownloadAndExtractAsync(sha256, folder, cancellationToken);
            return folder;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task DownloadAndExtractAsync(string sha256, string folder, CancellationToken cancellationToken)
    {
        var tempId = Guid.NewGuid().ToString("N");
        var zipPath = Path.Combine(_root, ".tmp", tempId + ".zip");
        var extractPath = Path.Combine(_root, ".tmp", tempId);
        try
        {
            string actual;
            await using (var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true))
            {
                await _download(sha256, file, cancellationToken);
                file.Position = 0;
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
            }

            if (actual != sha256)
                throw new PackageCacheException($"The downloaded package's SHA-256 is {actual}, expected {sha256}; refusing it.");
            SafeZipExtractor.Extract(zipPath, extractPath, cancellationToken);
            MakeReadOnly(extractPath);
            Directory.Move(extractPath, folder);
            _logger.LogInformation("Cached package {Sha256}", sha256);
        }
        finally
        {
            TryDelete(zipPath);
            if (Directory.Exists(extractPath))
                TryDeleteDirectory(extractPath);
        }
    }

    private static void MakeReadOnly(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (OperatingSystem.IsWindows())
                File.SetAttributes(file, File.GetAttributes(file) | FileAttributes.ReadOnly);
            else
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    private static bool IsSha256(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigitLower);

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            _logger.LogDebug(ex, "Could not delete {Path}", path);
        }
    }

    private void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug(ex, "Could not delete {Path}", path);
        }
    }
}
