using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Baton.Tests.Shared;

/// <summary>
/// Writes zip archives byte by byte, so a test can say exactly what a hostile archive claims: any
/// name bytes (NUL, invalid UTF-8), a wrong CRC, a declared size that lies, Unix mode bits, the same
/// name twice. <see cref="ZipArchive"/> would refuse or fix several of these.
/// </summary>
public sealed class RawZip
{
    private readonly List<Entry> _entries = [];

    public sealed record Entry(byte[] Name, byte[] Content, bool Deflate = true, uint? Crc = null, long? DeclaredSize = null, int UnixMode = 0x81A4, bool Utf8Flag = true);

    public RawZip Add(string name, string content) => Add(name, Encoding.UTF8.GetBytes(content));

    public RawZip Add(string name, byte[] content, bool deflate = true) => Add(new Entry(Encoding.UTF8.GetBytes(name), content, deflate));

    public RawZip Add(Entry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>A valid package around the hostile parts: a manifest and its entrypoint.</summary>
    public static RawZip Package(string manifest = "name: hostile\nversion: 1.0.0\nentrypoint: main:run\n") =>
        new RawZip().Add("baton.yaml", manifest).Add("main.py", "def run():\n    return {}\n");

    public byte[] Build()
    {
        using var output = new MemoryStream();
        var central = new MemoryStream();
        foreach (var entry in _entries)
        {
            var data = entry.Deflate ? DeflateOf(entry.Content) : entry.Content;
            var crc = entry.Crc ?? System.IO.Hashing.Crc32.HashToUInt32(entry.Content);
            var size = (uint)(entry.DeclaredSize ?? entry.Content.Length);
            var flags = (ushort)(entry.Utf8Flag ? 0x0800 : 0);
            var method = (ushort)(entry.Deflate ? 8 : 0);
            var offset = (uint)output.Position;

            var local = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(6), flags);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(8), method);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(12), 0x21); // 1980-01-01
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(14), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(18), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(22), size);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)entry.Name.Length);
            output.Write(local);
            output.Write(entry.Name);
            output.Write(data);

            var header = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), (3 << 8) | 20); // made by Unix: the mode bits count
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), flags);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), method);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(14), 0x21);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), size);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)entry.Name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(38), (uint)entry.UnixMode << 16);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), offset);
            central.Write(header);
            central.Write(entry.Name);
        }
        var centralOffset = (uint)output.Position;
        central.Position = 0;
        central.CopyTo(output);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)Math.Min(_entries.Count, ushort.MaxValue));
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)Math.Min(_entries.Count, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), centralOffset);
        output.Write(end);
        return output.ToArray();
    }

    private static byte[] DeflateOf(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) deflate.Write(content);
        return buffer.ToArray();
    }
}
