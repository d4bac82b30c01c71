using System.Text;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Assets;
using Baton.Storage.Model;

namespace Baton.Server.Assets;

/// <summary>What an asset's value may be, checked before anything is sealed or stored; and how values are shown.</summary>
public static class AssetRequests
{
    /// <summary>The JSON text of one value (a text, number, boolean or JSON asset).</summary>
    public const int MaxValueBytes = 64 * 1024;
    public const int MaxSecretLength = 8 * 1024;
    public const int MaxUsernameLength = 256;
    public const int MaxDescriptionLength = 500;

    /// <summary>
    /// The problem with a value of <paramref name="type"/>, or null when it is valid. <paramref name="secretOptional"/>: a credential
    /// being replaced may keep its secret.
    /// </summary>
    public static (string Field, string Message)? CheckValue(string type, JsonElement? value, string? username, string? secret, bool secretOptional)
    {
        if (type == AssetTypes.Credential)
        {
            if (value is { ValueKind: not JsonValueKind.Null }) return ("value", "a credential has a username and a secret, not a value.");
            if (secret is null && !secretOptional) return ("secret", "a credential needs its secret.");
            if (secret is { Length: 0 or > MaxSecretLength }) return ("secret", $"the secret must be 1 to {MaxSecretLength} characters.");
            if (username is { Length: > MaxUsernameLength }) return ("username", $"the username must be at most {MaxUsernameLength} characters.");
            return null;
        }
        if (username is not null || secret is not null) return (username is not null ? "username" : "secret", $"a {type} asset has a value, not a username or secret.");
        if (value is not { } given || given.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return ("value", $"a {type} asset needs its value.");
        var fits = type switch
        {
            AssetTypes.Text => given.ValueKind == JsonValueKind.String,
            AssetTypes.Number => given.ValueKind == JsonValueKind.Number,
            AssetTypes.Boolean => given.ValueKind is JsonValueKind.True or JsonValueKind.False,
            _ => true,
        };
        if (!fits) return ("value", $"a {type} asset's value must be a JSON {(type == AssetTypes.Text ? "string" : type)}.");
        if (Encoding.UTF8.GetByteCount(given.GetRawText()) > MaxValueBytes) return ("value", $"the value must be at most {MaxValueBytes / 1024} KiB of JSON.");
        return null;
    }

    /// <summary>The stored JSON text of a valid non-credential value; null for a credential.</summary>
    public static string? StoredValue(string type, JsonElement? value) => type == AssetTypes.Credential ? null : value!.Value.GetRawText();

    public static AssetDto ToDto(this AssetRecord asset) => new(
        asset.Name, asset.Type, asset.Queue, asset.AgentGroup, asset.Description, asset.Value.ToDto(),
        asset.Overrides.ToDictionary(o => o.Key, o => o.Value.ToDto(), StringComparer.Ordinal), asset.CreatedAt, asset.UpdatedAt);

    /// <summary>Never the secret, sealed or not: only whether there is one.</summary>
    public static AssetValueDto ToDto(this AssetValue value) => new(Parse(value.Value), value.Username, value.Secret is not null);

    public static JsonElement? Parse(string? json)
    {
        if (json is null) return null;
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
