using System.Text.RegularExpressions;

namespace Baton.Core.Assets;

/// <summary>The kinds of asset, as stored and sent; stable.</summary>
public static class AssetTypes
{
    public const string Text = "text";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Json = "json";
    /// <summary>A username and a secret, or a secret alone: the secret is sealed at rest and never listed.</summary>
    public const string Credential = "credential";

    public static readonly IReadOnlyList<string> All = [Text, Number, Boolean, Json, Credential];

    public static bool IsValid(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);
}

/// <summary>Asset names: what a job passes to <c>baton.asset(name)</c>.</summary>
public static partial class AssetNames
{
    public const string Rule = "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
