using System.Text.Json;

namespace Baton.Agent;

/// <summary>The wire format of the agent protocol: System.Text.Json web defaults (camelCase).</summary>
internal static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
