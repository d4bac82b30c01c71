using System.Text.Json;

namespace Baton.Cli.Configuration;

/// <summary>
/// What <c>baton login</c> (and <c>baton up</c>) remember: the server to talk to and the key to use.
/// Stored as JSON at <see cref="DefaultPath"/>, readable by its owner only.
/// </summary>
public sealed record CliConfig(string Server, string ApiKey)
{
    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary><c>$XDG_CONFIG_HOME/baton/config.json</c>, else <c>$HOME/.config/baton/config.json</c>.</summary>
    public static string DefaultPath => PathFor(Environment.GetEnvironmentVariable);

    /// <summary>The config path as seen through <paramref name="getEnvironmentVariable"/> (tests pass their own).</summary>
    public static string PathFor(Func<string, string?> getEnvironmentVariable)
    {
        var configHome = getEnvironmentVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrWhiteSpace(configHome))
        {
            var home = getEnvironmentVariable("HOME");
            if (string.IsNullOrWhiteSpace(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            configHome = Path.Combine(home, ".config");
        }
        return Path.Combine(configHome, "baton", "config.json");
    }

    /// <summary>The saved config, or null when there is none. A corrupt file is an error the user must see.</summary>
    public static CliConfig? Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        try
        {
            var config = JsonSerializer.Deserialize<CliConfig>(text, FileJson);
            if (config is null || string.IsNullOrWhiteSpace(config.Server) || string.IsNullOrWhiteSpace(config.ApiKey))
                throw new InvalidDataException($"The Baton config at {path} lacks 'server' or 'apiKey'.");
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The Baton config at {path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes the config, creating its folder; on Unix the file is mode 600 from the start.</summary>
    public void Save(string? path = null)
    {
        path ??= DefaultPath;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);

        // Write a sibling temp file with the final mode, then move it over: the key is never world-readable
        // and a crash never leaves half a config.
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, this, FileJson);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Never prints the key: records end up in logs and exception messages.</summary>
    public override string ToString() => $"CliConfig {{ Server = {Server}, ApiKey = *** }}";
}
