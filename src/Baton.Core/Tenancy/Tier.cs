namespace Baton.Core.Tenancy;

/// <summary>Subscription tiers from the seed's tenant resource allocation table.</summary>
public enum Tier
{
    Free,
    Standard,
    Professional,
    Enterprise,
}

public static class Tiers
{
    public static string ToText(this Tier tier) => tier switch
    {
        Tier.Free => "free",
        Tier.Standard => "standard",
        Tier.Professional => "professional",
        Tier.Enterprise => "enterprise",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };

    public static bool TryParse(string? text, out Tier tier)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "free": tier = Tier.Free; return true;
            case "standard": tier = Tier.Standard; return true;
            case "professional": tier = Tier.Professional; return true;
            case "enterprise": tier = Tier.Enterprise; return true;
            default: tier = default; return false;
        }
    }

    public static Tier Parse(string text) =>
        TryParse(text, out var tier) ? tier : throw new FormatException($"Unknown tier '{text}'.");
}
