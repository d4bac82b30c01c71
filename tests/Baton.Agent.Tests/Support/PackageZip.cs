using System.IO.Compression;
using System.Security.Cryptography;

namespace Baton.Agent.Tests.Support;

/// <summary>Builds package zips in memory for tests.</summary>
public static class PackageZip
{
    public static byte[] FromFolder(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                if (relative.Contains("__pycache__", StringComparison.Ordinal))
                    continue;
                zip.CreateEntryFromFile(file, relative);
            }
        }

        return buffer.ToArray();
    }

    public static byte[] FromFiles(IReadOnlyDictionary<string, string> files, Action<ZipArchive>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(content);
            }

            extra?.Invoke(zip);
        }

        return buffer.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
