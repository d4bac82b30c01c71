using System.Buffers.Binary;

namespace Baton.Core.Packages;

/// <summary>
/// Reads the entry count a zip declares in its end-of-central-directory record (zip64 too) without
/// materialising the central directory: <see cref="System.IO.Compression.ZipArchive"/> builds an object per
/// entry, so a hostile archive with millions of tiny entries must be refused before that happens.
/// </summary>
internal static class ZipEndRecordProbe
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndRecordSize = 22;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>The declared total number of entries, or null when no end record was found.</summary>
    public static long? ReadDeclaredEntryCount(Stream stream)
    {
        if (stream.Length < EndRecordSize) return null;
        var tailLength = (int)Math.Min(stream.Length, EndRecordSize + MaxCommentLength);
        var tail = new byte[tailLength];
        stream.Position = stream.Length - tailLength;
        stream.ReadExactly(tail);
        for (var i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != EndSignature) continue;
            var count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 10));
            if (count != ushort.MaxValue) return count;
            return ReadZip64EntryCount(stream, stream.Length - tailLength + i) ?? count;
        }
        return null;
    }

    private static long? ReadZip64EntryCount(Stream stream, long endRecordOffset)
    {
        var locatorOffset = endRecordOffset - 20;
        if (locatorOffset < 0) return null;
        var locator = new byte[20];
        stream.Position = locatorOffset;
        stream.ReadExactly(locator);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature) return null;
        var zip64EndOffset = BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8));
        if (zip64EndOffset > (ulong)(stream.Length - 56)) return null;
        var record = new byte[56];
        stream.Position = (long)zip64EndOffset;
        stream.ReadExactly(record);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature) return null;
        var total = BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32));
        return total > long.MaxValue ? long.MaxValue : (long)total;
    }
}
