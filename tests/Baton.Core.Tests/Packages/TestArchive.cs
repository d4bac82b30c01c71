using System.IO.Compression;
using System.Text;

namespace Baton.Core.Tests.Packages;

/// <summary>Builds package zips in memory, including the hostile shapes a real upload may take.</summary>
internal sealed class TestArchive
{
    public const string HelloManifest = "name: hello\nversion: 1.0.0\nentrypoint: main:run\n";

    private readonly List<(string Name, byte[] Content, int? Attributes, CompressionLevel Level)> _entries = [];

    public static TestArchive Hello() => new TestArchive().Add("baton.yaml", HelloManifest).Add("main.py", "def run(inputs):\n    return {}\n");

    public TestArchive Add(string name, string content) => Add(name, Encoding.UTF8.GetBytes(content));

    public TestArchive Add(string name, byte[] content, CompressionLevel level = CompressionLevel.Optimal)
    {
        _entries.Add((name, content, null, level));
        return this;
    }

    public TestArchive AddDirectory(string name)
    {
        _entries.Add((name.EndsWith('/') ? name : name + "/", [], null, CompressionLevel.NoCompression));
        return this;
    }

    /// <summary>A Unix symlink entry: mode lrwxrwxrwx in the upper 16 bits, the target as content.</summary>
    public TestArchive AddSymlink(string name, string target)
    {
        _entries.Add((name, Encoding.UTF8.GetBytes(target), unchecked((int)(0xA1FFu << 16)), CompressionLevel.NoCompression));
        return this;
    }

    public TestArchive Replace(string name, string content)
    {
        _entries.RemoveAll(e => e.Name == name);
        return Add(name, content);
    }

    public TestArchive Remove(string name)
    {
        _entries.RemoveAll(e => e.Name == name);
        return this;
    }

    public MemoryStream Build()
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, attributes, level) in _entries)
            {
                var entry = zip.CreateEntry(name, level);
                if (attributes is { } value) entry.ExternalAttributes = value;
                using var writer = entry.Open();
                writer.Write(content);
            }
        }
        stream.Position = 0;
        return stream;
    }
}

/// <summary>A stream that only reads forward, like a request body.</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
