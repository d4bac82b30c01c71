using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Baton.Core.Tenancy;

namespace Baton.Server.Api;

/// <summary>
/// Partial updates (every PATCH body) refuse fields they do not know, as manifests do: a misspelt field
/// would otherwise be ignored and the caller told the change was made. The PATCH records carry
/// <see cref="JsonUnmappedMemberHandlingAttribute"/>; the types they nest that are also stored (quota
/// overrides) are made strict here, for request bodies only, so a stored row written by another version still reads.
/// </summary>
public static class StrictRequestBodies
{
    private static readonly HashSet<Type> NestedInPatches = [typeof(QuotaOverrides)];

    public static void Apply(JsonSerializerOptions options)
    {
        var resolver = options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver();
        options.TypeInfoResolver = resolver.WithAddedModifier(info =>
        {
            if (info.Kind == JsonTypeInfoKind.Object && NestedInPatches.Contains(info.Type))
            {
                info.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            }
        });
    }
}
