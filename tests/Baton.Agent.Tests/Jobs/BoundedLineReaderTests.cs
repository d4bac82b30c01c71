using Baton.Agent.Jobs;

namespace Baton.Agent.Tests.Jobs;

public sealed class BoundedLineReaderTests
{
    private static async Task<List<string>> ReadAllAsync(TextReader source, int limit)
    {
        var reader = new BoundedLineReader(source, limit);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line) lines.Add(line);
        return lines;
    }

    [Theory]
    [InlineData("a\nb\n", new[] { "a", "b" })]
    [InlineData("a\r\nb", new[] { "a", "b" })]
    [InlineData("a\rb\r", new[] { "a", "b" })]
    [InlineData("\n\nx", new[] { "", "", "x" })]
    [InlineData("", new string[0])]
    public async Task Line_ends_are_those_of_ReadLine(string text, string[] expected) =>
        Assert.Equal(expected, await ReadAllAsync(new StringReader(text), 100));

    [Fact]
    public async Task A_long_line_is_cut_at_the_limit_and_its_tail_dropped()
    {
        var text = new string('x', 50_000) + "\nnext\r\n" + new string('y', 10) + "\n";
        var lines = await ReadAllAsync(new StringReader(text), 1000);
        Assert.Equal(3, lines.Count);
        Assert.Equal(new string('x', 1000) + " …[line cut at 1,000 characters]", lines[0]);
        Assert.Equal("next", lines[1]);
        Assert.Equal(new string('y', 10), lines[2]);
    }

    [Fact]
    public void An_endless_line_costs_no_more_than_the_limit()
    {
        // 256 Mi characters that never end: read synchronously on this thread, so its allocations are exact.
        var source = new EndlessReader(256L * 1024 * 1024);
        var reader = new BoundedLineReader(source, 16 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var first = ReadCompleted(reader);
        var rest = ReadCompleted(reader);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.StartsWith("xxxx", first, StringComparison.Ordinal);
        Assert.Null(rest);
        Assert.Equal(0, source.Remaining);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    /// <summary>The source completes every read at once, so the whole read happens on this thread.</summary>
    private static string? ReadCompleted(BoundedLineReader reader)
    {
        var pending = reader.ReadLineAsync();
        if (!pending.IsCompleted) throw new InvalidOperationException("The read did not complete synchronously.");
        return pending.Result;
    }

    private sealed class EndlessReader(long chars) : TextReader
    {
        public long Remaining { get; private set; } = chars;

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
        {
            var count = (int)Math.Min(buffer.Length, Remaining);
            buffer.Span[..count].Fill('x');
            Remaining -= count;
            return ValueTask.FromResult(count);
        }
    }
}
