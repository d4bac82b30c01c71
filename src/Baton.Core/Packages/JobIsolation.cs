using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Packages;

/// <summary>
/// How an agent starts a package's jobs. <see cref="Warm"/>: a child forked from a warm interpreter
/// that has the runner, the SDK and common modules loaded (milliseconds; the same isolation as a new
/// process). <see cref="Fresh"/>: a new interpreter for every job (tens of milliseconds), for code that
/// cannot live with a forked start.
/// </summary>
[JsonConverter(typeof(JobIsolationJsonConverter))]
public enum JobIsolation
{
    Warm,
    Fresh,
}

public static class JobIsolations
{
    public static IReadOnlyList<string> Names { get; } = ["warm", "fresh"];

    public static string ToText(this JobIsolation isolation) => isolation == JobIsolation.Fresh ? "fresh" : "warm";

    public static bool TryParse(string? text, out JobIsolation isolation)
    {
        isolation = text switch
        {
            "warm" => JobIsolation.Warm,
            "fresh" => JobIsolation.Fresh,
            _ => (JobIsolation)(-1),
        };
        return isolation is JobIsolation.Warm or JobIsolation.Fresh;
    }
}

/// <summary>Stable lower-case text on the wire and in stored manifests.</summary>
public sealed class JobIsolationJsonConverter : JsonConverter<JobIsolation>
{
    public override JobIsolation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JobIsolations.TryParse(reader.GetString(), out var isolation) ? isolation : throw new JsonException("isolation must be warm or fresh.");

    public override void Write(Utf8JsonWriter writer, JobIsolation value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToText());
}
