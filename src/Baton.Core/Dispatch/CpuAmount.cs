using System.Globalization;

namespace Baton.Core.Dispatch;

/// <summary>CPU requests are decimal cores in the API and whole millicores inside, so sums are exact.</summary>
public static class CpuAmount
{
    public static int ToMillicores(decimal cores) => (int)decimal.Round(cores * 1000m, MidpointRounding.AwayFromZero);

    public static decimal ToCores(int millicores) => millicores / 1000m;

    /// <summary>"2", "0.5", "1.25" — trailing zeros dropped.</summary>
    public static string Format(int millicores) => ToCores(millicores).ToString("0.###", CultureInfo.InvariantCulture);
}
