using System.Text.Json;

namespace Baton.Agent.Registration;

/// <summary>Reads and writes <c>{data}/agent.json</c>, readable by the owner only (mode 600).</summary>
public sealed class AgentIdentityStore(string dataDirectory)
{
    public const string FileName = "agent.json";

    public string FilePath { get; } = Path.Combine(dataDirectory, FileName);

    public AgentIdentity? Load()
    {
        if (!File.Exists(FilePath))
            return null;
        try
        {
            var identity = JsonSerializer.Deserialize<AgentIdentity>(File.ReadAllText(FilePath), AgentJson.Options);
            if (identity is null || string.IsNullOrEmpty(identity.AgentId) || string.IsNullOrEmpty(identity.Credential))
                throw new AgentException($"{FilePath} is incomplete; delete it and register again with an enrollment token.");
            return identity with { ServerUrls = identity.ServerUrls ?? [] };
        }
        catch (JsonException ex)
        {
            throw new AgentException($"{FilePath} is not valid JSON ({ex.Message}); delete it and register again with an enrollment token.", ex);
        }
    }

    public void Save(AgentIdentity identity)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temp = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, identity, AgentJson.Options);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, FilePath, overwrite: true);
    }
}
