using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Baton.Server.Tests.Support;

/// <summary>Package archives built in memory for tests.</summary>
public static class TestPackages
{
    public static string Manifest(string name = "hello", string version = "1.0.0", string entrypoint = "main:run", string extra = "") =>
        $"name: {name}\nversion: {version}\nentrypoint: {entrypoint}\n{extra}";

    public const string HelloParameters = """
        parameters:
          name:
            type: string
            default: world
          count:
            type: integer
            required: false
        """;

    public static byte[] Hello(string name = "hello", string version = "1.0.0", string code = "def run(name='world', count=None):\n    return {'greeting': f'Hello, {name}!'}\n") =>
        Zip(new Dictionary<string, string>
        {
            ["baton.yaml"] = Manifest(name, version, extra: HelloParameters),
            ["main.py"] = code,
        });

    private static readonly DateTimeOffset FixedTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Zip(IReadOnlyDictionary<string, string> files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = zip.CreateEntry(path);
                // A fixed time: zips of the same files are byte-identical whenever they are built
                // (with the clock, two builds straddling a 2-second DOS-time step differed).
                entry.LastWriteTime = FixedTime;
                using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
                writer.Write(content);
            }
        }
        return buffer.ToArray();
    }

    public static ByteArrayContent Content(byte[] zip)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }
}
