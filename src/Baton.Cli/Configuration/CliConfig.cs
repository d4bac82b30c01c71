using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Cli.Http;

namespace Baton.Cli.Configuration;

/// <summary>
/// One server and key the CLI remembers: a context, as in kubectl. <see cref="DataDirectory"/> is set for the
/// logins <c>baton up</c> writes, so each local data folder keeps its own key (two folders can share a URL).
/// </summary>
public sealed record SavedContext(string Name, string Server, string ApiKey, string? DataDirectory = null)
{
    /// <summary>Never prints the key: records end up in logs and exception messages.</summary>
    public override string ToString() => $"SavedContext {{ Name = {Name}, Server = {Server}, ApiKey = ***, DataDirectory = {DataDirectory} }}";
}

/// <summary>
/// What <c>baton login</c> and <c>baton up</c> remember: named contexts and the current one, stored as JSON at
/// <see cref="CliConfig.DefaultPath"/>, readable by its owner only. A file of the first format (one server and
/// key) reads as one context.
/// </summary>
public sealed class CliContextFile
{
    private static readonly JsonSerializerOptions FileJson = BatonJson.Resolved(new(JsonSerializerDefaults.Web) { WriteIndented = true });

    public string? Current { get; set; }

    public List<SavedContext> Contexts { get; init; } = [];

    [JsonIgnore]
    public SavedContext? CurrentContext => Contexts.FirstOrDefault(c => c.Name == Current);

    /// <summary>The saved contexts, empty when there is no file. A corrupt file is an error the user must see.</summary>
    public static CliContextFile Load(string path)
    {
        if (!File.Exists(path)) return new CliContextFile();
        var text = File.ReadAllText(path);
        try
        {
            var file = JsonSerializer.Deserialize(text, FileJson.InfoOf<FileShape>())
                ?? throw new InvalidDataException($"The Baton config at {path} is empty.");
            if (file.Contexts is { } contexts)
            {
                if (contexts.Any(c => string.IsNullOrWhiteSpace(c.Name) || string.IsNullOrWhiteSpace(c.Server) || string.IsNullOrWhiteSpace(c.ApiKey)))
                    throw new InvalidDataException($"The Baton config at {path} has a context without 'name', 'server' or 'apiKey'.");
                return new CliContextFile { Current = file.Current, Contexts = [.. contexts] };
            }
            if (string.IsNullOrWhiteSpace(file.Server) && string.IsNullOrWhiteSpace(file.ApiKey)) return new CliContextFile();
            if (string.IsNullOrWhiteSpace(file.Server) || string.IsNullOrWhiteSpace(file.ApiKey))
                throw new InvalidDataException($"The Baton config at {path} lacks 'server' or 'apiKey'.");
            var only = new SavedContext(NameForServer(file.Server), file.Server, file.ApiKey);
            return new CliContextFile { Current = only.Name, Contexts = [only] };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The Baton config at {path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Saves a login and makes it current. The same server and data folder replace their context (a new key);
    /// another pair gets a context of its own, named <paramref name="name"/> or after the server and folder.
    /// </summary>
    public SavedContext Remember(string server, string apiKey, string? dataDirectory = null, string? name = null)
    {
        var existing = Find(server, dataDirectory);
        if (name is not null && existing is not null && existing.Name != name) existing = null;
        var chosen = existing?.Name ?? name ?? UniqueName(dataDirectory is null ? NameForServer(server) : NameForFolder(server, dataDirectory));
        Contexts.RemoveAll(c => c.Name == chosen);
        var saved = new SavedContext(chosen, server, apiKey, dataDirectory);
        Contexts.Add(saved);
        Contexts.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        Current = chosen;
        return saved;
    }

    /// <summary>The context of this server (and data folder, when given), else null.</summary>
    public SavedContext? Find(string server, string? dataDirectory) =>
        Contexts.FirstOrDefault(c => SameServer(c.Server, server) && c.DataDirectory == dataDirectory);

    /// <summary>Writes the file, creating its folder; on Unix the file is mode 600 from the start.</summary>
    public void Save(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        // Write a sibling temp file with the final mode, then move it over: the keys are never world-readable
        // and a crash never leaves half a config.
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, new FileShape { Current = Current, Contexts = Contexts }, FileJson.InfoOf<FileShape>());
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    private static bool SameServer(string a, string b) => string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>"127.0.0.1:8080" for http://127.0.0.1:8080.</summary>
    private static string NameForServer(string server) =>
        Uri.TryCreate(server, UriKind.Absolute, out var uri) ? uri.Authority : server;

    /// <summary>"baton@8080" for the folder .baton served on port 8080: short, and says which folder.</summary>
    private static string NameForFolder(string server, string dataDirectory)
    {
        var folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(dataDirectory)).TrimStart('.');
        if (folder.Length == 0) folder = "local";
        return Uri.TryCreate(server, UriKind.Absolute, out var uri) ? $"{folder}@{uri.Port}" : folder;
    }

    private string UniqueName(string name)
    {
        var candidate = name;
        for (var i = 2; Contexts.Any(c => c.Name == candidate); i++) candidate = $"{name}-{i}";
        return candidate;
    }

    /// <summary>The file as stored: <c>current</c> and <c>contexts</c>, or the first format's <c>server</c> and <c>apiKey</c>.</summary>
    internal sealed class FileShape
    {
        public string? Current { get; set; }
        public List<SavedContext>? Contexts { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Server { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? ApiKey { get; set; }
    }
}

/// <summary>The current login: the server and key of the current context.</summary>
public sealed record CliConfig(string Server, string ApiKey)
{
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

    /// <summary>The current context's server and key, or null when there is none. A corrupt file is an error the user must see.</summary>
    public static CliConfig? Load(string? path = null)
    {
        var current = CliContextFile.Load(path ?? DefaultPath).CurrentContext;
        return current is null ? null : new CliConfig(current.Server, current.ApiKey);
    }

    /// <summary>Remembers this server and key as a context (replacing that server's) and makes it current; other contexts stay.</summary>
    public void Save(string? path = null)
    {
        path ??= DefaultPath;
        var file = CliContextFile.Load(path);
        file.Remember(Server, ApiKey);
        file.Save(path);
    }

    /// <summary>Never prints the key: records end up in logs and exception messages.</summary>
    public override string ToString() => $"CliConfig {{ Server = {Server}, ApiKey = *** }}";
}
