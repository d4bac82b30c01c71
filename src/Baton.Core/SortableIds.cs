using System.Buffers.Binary;

namespace Baton.Core;

/// <summary>
/// Time-ordered ids (UUIDv7, RFC 9562), strictly increasing within this process: newest-first listings order by id,
/// and two ids made in the same millisecond must still sort in the order they were made. <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// fills everything after the millisecond with random bits, so alone it orders same-millisecond ids at random; here the
/// 74 bits after the timestamp act as a counter when the clock has not moved past the last id (RFC 9562 §6.2, method 2,
/// seeded randomly each millisecond). Across replicas, ids are ordered to the millisecond, as clocks allow.
/// </summary>
public static class SortableIds
{
    private static readonly Lock Gate = new();
    private static UInt128 _last;

    /// <summary>A new id, <paramref name="prefix"/> followed by 32 hex digits.</summary>
    public static string New(string prefix, DateTimeOffset now) => prefix + NewGuid(now).ToString("N");

    public static Guid NewGuid(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7(now).TryWriteBytes(bytes, bigEndian: true, out _);
        var candidate = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        lock (Gate)
        {
            if (candidate <= _last)
                candidate = Next(_last);
            _last = candidate;
        }
        BinaryPrimitives.WriteUInt128BigEndian(bytes, candidate);
        return new Guid(bytes, bigEndian: true);
    }

    // Layout: 48 bits of milliseconds, 4 of version, 12 random (rand_a), 2 of variant, 62 random (rand_b).
    private static readonly UInt128 RandB = (UInt128.One << 62) - 1;
    private static readonly UInt128 RandA = ((UInt128)0xFFF) << 64;
    private static readonly UInt128 Fixed = ~(RandA | RandB) & ~(((UInt128)0xFFFF_FFFF_FFFF) << 80);

    /// <summary>The id just after <paramref name="last"/>: its 74 random bits plus one, carrying into the millisecond.</summary>
    internal static UInt128 Next(UInt128 last)
    {
        var counter = (((last & RandA) >> 64) << 62) | (last & RandB);
        var milliseconds = last >> 80;
        counter++;
        if (counter >> 74 != 0)
        {
            counter = 0;
            milliseconds++;
        }
        return (milliseconds << 80) | (last & Fixed) | (((counter >> 62) << 64) & RandA) | (counter & RandB);
    }
}
