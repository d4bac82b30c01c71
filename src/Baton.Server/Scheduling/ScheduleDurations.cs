using System.Xml;
using Baton.Core.Packages;

namespace Baton.Server.Scheduling;

/// <summary>Durations on the schedule API: ISO 8601 (<c>PT1H</c>, <c>P1D</c>) or short (<c>90</c>, <c>10m</c>, <c>1h30m</c>).</summary>
public static class ScheduleDurations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith('P') || trimmed.StartsWith('p'))
        {
            try
            {
                duration = XmlConvert.ToTimeSpan(trimmed.ToUpperInvariant());
                return duration >= TimeSpan.Zero;
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        return DurationParser.TryParse(trimmed, out duration);
    }

    public static string ToIso(TimeSpan duration) => XmlConvert.ToString(duration);
}
