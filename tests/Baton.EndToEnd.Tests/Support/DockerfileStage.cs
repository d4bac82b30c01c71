using System.Text.Json;
using System.Text.RegularExpressions;

namespace Baton.EndToEnd.Tests.Support;

/// <summary>
/// The parts of one stage of the repository's Dockerfile that decide how the container runs Baton (user, environment,
/// entrypoint, command, health check), read from the file itself so the test follows the image.
/// </summary>
public sealed partial record DockerfileStage(string User, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command, IReadOnlyList<string> HealthCheck)
{
    public static DockerfileStage Read(string dockerfile, string stage)
    {
        var lines = JoinContinuations(File.ReadAllLines(dockerfile));
        var start = lines.FindIndex(l => Regex.IsMatch(l, $@"^FROM\s+\S+\s+AS\s+{stage}\s*$", RegexOptions.IgnoreCase));
        if (start < 0) throw new InvalidOperationException($"The Dockerfile has no stage '{stage}'.");
        var end = lines.FindIndex(start + 1, l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase));
        var body = lines[(start + 1)..(end < 0 ? lines.Count : end)];
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        string user = "", healthLine = "";
        IReadOnlyList<string> entrypoint = [], command = [];
        foreach (var line in body)
        {
            var (instruction, rest) = Split(line);
            switch (instruction)
            {
                case "ENV":
                    foreach (Match pair in EnvPair().Matches(rest)) env[pair.Groups[1].Value] = pair.Groups[2].Value;
                    break;
                case "USER":
                    user = rest;
                    break;
                case "ENTRYPOINT":
                    entrypoint = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                case "CMD":
                    command = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                case "HEALTHCHECK":
                    healthLine = rest;
                    break;
            }
        }
        var healthCheck = healthLine.Length == 0 ? [] : JsonSerializer.Deserialize<string[]>(healthLine[healthLine.IndexOf("CMD [", StringComparison.Ordinal)..][4..])!;
        return new DockerfileStage(user, env, entrypoint, command, healthCheck);
    }

    private static (string Instruction, string Arguments) Split(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (line, "") : (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
    }

    private static List<string> JoinContinuations(string[] raw)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var text in raw)
        {
            if (text.TrimStart().StartsWith('#')) continue;
            var trimmed = text.TrimEnd();
            if (trimmed.EndsWith('\\'))
            {
                current += trimmed[..^1] + " ";
                continue;
            }
            lines.Add((current + trimmed).Trim());
            current = "";
        }
        return lines.Where(l => l.Length > 0).ToList();
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}
