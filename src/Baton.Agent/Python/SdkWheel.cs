using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Baton.Agent.Python;

/// <summary>
/// The Baton SDK as a wheel (<c>baton_sdk-VERSION-py3-none-any.whl</c>), built from the very files this assembly embeds
/// (the <c>baton</c> package jobs import, its stubs and <c>py.typed</c>). The agent writes it into its runtime folder and
/// tells jobs where (<c>BATON_SDK_WHEEL</c>); <c>baton sdk wheel</c> writes it anywhere. Same entries and metadata as
/// the standard-library build backend in <c>Python/_build/baton_build.py</c> (a test holds them together).
/// </summary>
public static partial class SdkWheel
{
    /// <summary>The modules, as <see cref="RuntimeFiles"/> embeds them (the package has no sub-packages).</summary>
    private const string ModulePrefix = "Baton.Agent.Python.baton.";
    /// <summary>What only the wheel needs: stubs, py.typed, the README.</summary>
    private const string ResourcePrefix = "sdk/";
    private const string Summary = "The SDK for Python automations run by Baton: inputs, results, progress, logs, artifacts, local runs.";
    private static readonly DateTime EntryDate = new(1980, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly Lazy<byte[]> Built = new(Build);

    public static string Version => VersionText.Value;

    public static string FileName => $"baton_sdk-{Version}-py3-none-any.whl";

    /// <summary>Where the agent keeps the wheel: a folder of its runtime directory.</summary>
    public static string FolderIn(string runtimeDirectory) => Path.Combine(runtimeDirectory, "wheels");

    private static readonly Lazy<string> VersionText = new(() =>
    {
        var init = Encoding.UTF8.GetString(Read("baton/__init__.py"));
        return VersionLine().Match(init) is { Success: true } match
            ? match.Groups["version"].Value
            : throw new InvalidOperationException("baton/__init__.py has no __version__.");
    });

    /// <summary>Writes the wheel into <paramref name="folder"/> unless it is there already; returns its path.</summary>
    public static async Task<string> WriteAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, FileName);
        var bytes = Built.Value;
        if (File.Exists(target) && (await File.ReadAllBytesAsync(target, cancellationToken)).AsSpan().SequenceEqual(bytes)) return target;
        var temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    /// <summary>The wheel's bytes: package files in name order, then METADATA, WHEEL and RECORD.</summary>
    public static byte[] Build()
    {
        var info = $"baton_sdk-{Version}.dist-info";
        var entries = PackageFiles().Select(path => (path, Read(path))).ToList();
        entries.Add(($"{info}/METADATA", Encoding.UTF8.GetBytes(Metadata())));
        entries.Add(($"{info}/WHEEL", Encoding.UTF8.GetBytes("Wheel-Version: 1.0\nGenerator: baton_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n")));
        var record = new StringBuilder();
        foreach (var (path, data) in entries) record.Append(path).Append(",sha256=").Append(UrlSafeDigest(data)).Append(',').Append(data.Length).Append('\n');
        record.Append(info).Append("/RECORD,,\n");
        entries.Add(($"{info}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));

        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, data) in entries)
            {
                var entry = archive.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(EntryDate, TimeSpan.Zero);
                entry.ExternalAttributes = Convert.ToInt32("644", 8) << 16;
                using var stream = entry.Open();
                stream.Write(data);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Paths inside the wheel of the embedded package files, in ordinal order (as the Python backend sorts them).</summary>
    public static IReadOnlyList<string> PackageFiles() =>
        [.. typeof(SdkWheel).Assembly.GetManifestResourceNames()
            .Select(n => n.StartsWith(ModulePrefix, StringComparison.Ordinal) && n.EndsWith(".py", StringComparison.Ordinal) ? "baton/" + n[ModulePrefix.Length..]
                : n.StartsWith(ResourcePrefix + "baton/", StringComparison.Ordinal) ? n[ResourcePrefix.Length..]
                : null)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

    public static string Metadata()
    {
        var readme = Encoding.UTF8.GetString(Read("README.md"));
        return "Metadata-Version: 2.1\n" +
               "Name: baton-sdk\n" +
               $"Version: {Version}\n" +
               $"Summary: {Summary}\n" +
               "Requires-Python: >=3.8\n" +
               "Classifier: Programming Language :: Python :: 3\n" +
               "Classifier: Typing :: Typed\n" +
               "Description-Content-Type: text/markdown\n" +
               "\n" + readme;
    }

    private static string UrlSafeDigest(byte[] data) =>
        Convert.ToBase64String(SHA256.HashData(data)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Read(string path)
    {
        var resource = path.StartsWith("baton/", StringComparison.Ordinal) && path.EndsWith(".py", StringComparison.Ordinal)
            ? ModulePrefix + path["baton/".Length..]
            : ResourcePrefix + path;
        using var stream = typeof(SdkWheel).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The SDK file {path} is not embedded in {typeof(SdkWheel).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [GeneratedRegex("^__version__\\s*=\\s*\"(?<version>[^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
