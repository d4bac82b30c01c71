using Baton.Core;

namespace Baton.Core.Tests;

public sealed class SortableIdsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Ids_made_in_the_same_millisecond_sort_in_the_order_they_were_made()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => SortableIds.New("j_", Now)).ToList();
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_clock_that_steps_back_does_not_make_an_id_sort_before_the_last_one()
    {
        var later = SortableIds.New("j_", Now.AddSeconds(30));
        var earlier = SortableIds.New("j_", Now);
        Assert.True(string.CompareOrdinal(earlier, later) > 0);
    }

    [Fact]
    public void Ids_stay_valid_version_7_uuids_carrying_their_millisecond()
    {
        var at = Now.AddMinutes(1);
        for (var i = 0; i < 10; i++)
        {
            var id = SortableIds.NewGuid(at);
            Assert.Equal(7, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            Assert.Equal(at.ToUnixTimeMilliseconds(), (long)(ulong.Parse(id.ToString("N")[..12], System.Globalization.NumberStyles.HexNumber)));
        }
    }

    [Fact]
    public void The_counter_carries_into_the_millisecond_and_leaves_version_and_variant_alone()
    {
        var version7 = (UInt128)0x7 << 76;
        var variant = (UInt128)0b10 << 62;
        var millisecond = (UInt128)1234 << 80;
        var full = millisecond | version7 | ((UInt128)0xFFF << 64) | variant | ((UInt128.One << 62) - 1);
        Assert.Equal(((UInt128)1235 << 80) | version7 | variant, SortableIds.Next(full));
        Assert.Equal(millisecond | version7 | ((UInt128)1 << 64) | variant, SortableIds.Next(millisecond | version7 | variant | ((UInt128.One << 62) - 1)));
        Assert.Equal(millisecond | version7 | variant | 6, SortableIds.Next(millisecond | version7 | variant | 5));
    }
}
