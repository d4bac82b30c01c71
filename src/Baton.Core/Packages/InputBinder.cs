using System.Text.Json;
using System.Text.Json.Nodes;

namespace Baton.Core.Packages;

/// <summary>
/// Checks submitted job inputs against a manifest's parameters: unknown names refused, required
/// ones present, types right, defaults applied. A string value for an integer, number or boolean
/// parameter is converted when it parses (the CLI's <c>--input k=v</c> sends strings).
/// </summary>
public static class InputBinder
{
    public static InputBindingResult Bind(PackageManifest manifest, IReadOnlyDictionary<string, JsonElement>? inputs) =>
        throw new NotImplementedException();
}

public sealed record InputBindingResult(JsonObject? Inputs, IReadOnlyList<ManifestError> Errors)
{
    public bool IsValid => Inputs is not null && Errors.Count == 0;
}
