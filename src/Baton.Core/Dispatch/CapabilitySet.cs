namespace Baton.Core.Dispatch;

/// <summary>
/// What an agent offers, as multi-valued labels: <c>os</c>, <c>arch</c>, <c>python</c> (one value per
/// interpreter version found) and the agent's own labels.
/// </summary>
public sealed class CapabilitySet
{
    public CapabilitySet(IReadOnlyDictionary<string, IReadOnlyList<string>> labels) => Labels = labels;

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Labels { get; }

    public static CapabilitySet From(string os, string arch, IEnumerable<string> pythonVersions, IReadOnlyDictionary<string, string> labels) =>
        throw new NotImplementedException();
}
