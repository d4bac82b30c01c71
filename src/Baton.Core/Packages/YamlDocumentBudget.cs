using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Baton.Core.Packages;

/// <summary>
/// A linear pass over the YAML event stream that refuses, before any tree is built, what would make
/// later work on the tree blow up: keys that are aliases, lists or mappings (hashing such a key walks
/// everything it stands for: nested anchors make that 10^9 values from a few hundred bytes), and
/// documents whose aliases expand — or whose plain size amounts — to more values than any manifest
/// needs. The pass costs one read of the text and checks the caller's cancellation as it goes.
/// </summary>
internal static class YamlDocumentBudget
{
    /// <summary>Values (scalars, lists, mappings) the document may stand for once every alias is expanded.</summary>
    public const long MaxExpandedNodes = 50_000;

    private const int CancellationCheckInterval = 256;

    /// <summary>Null when the document is within budget (or not YAML: the real load names that error), else the reason.</summary>
    public static string? Check(string yaml, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        var frames = new Stack<Frame>();
        var sawAlias = false;
        long total = 0;
        var events = 0;
        var parser = new Parser(new StringReader(yaml));
        try
        {
            while (parser.MoveNext())
            {
                if (++events % CancellationCheckInterval == 0) cancellationToken.ThrowIfCancellationRequested();
                var current = parser.Current;
                long size;
                switch (current)
                {
                    case AnchorAlias alias:
                        if (KeyProblem(frames, "an alias (*" + alias.Value.Value + ")") is { } aliasKey) return aliasKey;
                        sawAlias = true;
                        size = anchors.GetValueOrDefault(alias.Value.Value, 1);
                        break;
                    case Scalar scalar:
                        KeyProblem(frames, null);
                        size = 1;
                        Remember(anchors, scalar.Anchor, size);
                        break;
                    case SequenceStart or MappingStart:
                        var what = current is SequenceStart ? "a list" : "a mapping";
                        if (KeyProblem(frames, what) is { } complexKey) return complexKey;
                        frames.Push(new Frame(current is MappingStart, ((NodeEvent)current).Anchor));
                        continue;
                    case SequenceEnd or MappingEnd:
                        var done = frames.Pop();
                        size = done.Size;
                        Remember(anchors, done.Anchor, size);
                        break;
                    default:
                        continue;
                }
                if (frames.TryPeek(out var parent)) parent.Size = Saturate(parent.Size + size);
                else total = Saturate(total + size);
                if (size > MaxExpandedNodes || total > MaxExpandedNodes || (parent is not null && parent.Size > MaxExpandedNodes))
                {
                    return sawAlias
                        ? $"its anchors and aliases expand to more than {MaxExpandedNodes:N0} values; a manifest needs far fewer"
                        : $"the manifest holds more than {MaxExpandedNodes:N0} values; a manifest needs far fewer";
                }
            }
        }
        catch (YamlException)
        {
            // Not well-formed: the representation model's load reports it with line and column.
            return null;
        }
        return null;
    }

    /// <summary>Counts the node against its mapping's key/value turn; a reason when a key is not a plain value.</summary>
    private static string? KeyProblem(Stack<Frame> frames, string? forbiddenKey)
    {
        if (!frames.TryPeek(out var parent) || !parent.IsMapping) return null;
        var isKey = parent.NextIsKey;
        parent.NextIsKey = !isKey;
        return isKey && forbiddenKey is not null
            ? $"mapping keys must be plain values, not {forbiddenKey}"
            : null;
    }

    private static void Remember(Dictionary<string, long> anchors, AnchorName anchor, long size)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = size;
    }

    private static long Saturate(long value) => Math.Min(value, MaxExpandedNodes + 1);

    private sealed class Frame(bool isMapping, AnchorName anchor)
    {
        public bool IsMapping { get; } = isMapping;
        public AnchorName Anchor { get; } = anchor;
        public bool NextIsKey { get; set; } = true;
        public long Size { get; set; } = 1;
    }
}
