namespace Baton.Cli.Configuration;

/// <summary>The server and key a command uses, chosen flag &gt; environment &gt; config file.</summary>
/// <param name="KeySource">Where the key came from ("--key", "BATON_API_KEY", "context 'baton@8080'"), named when the server refuses it.</param>
public sealed record ServerConnection(Uri Server, string ApiKey, string? KeySource = null)
{
    public const string ServerVariable = "BATON_SERVER";
    public const string ApiKeyVariable = "BATON_API_KEY";

    /// <summary>
    /// Resolves each of server and key on its own, so <c>--key</c> can override just the key of a saved login.
    /// Throws <see cref="CliException"/> with what to do when either is missing.
    /// </summary>
    public static ServerConnection Resolve(
        string? serverFlag, string? keyFlag, Func<string, string?> getEnvironmentVariable, string configPath)
    {
        var server = FirstPresent(serverFlag, getEnvironmentVariable(ServerVariable));
        var key = FirstPresent(keyFlag, getEnvironmentVariable(ApiKeyVariable));
        var source = FirstPresent(keyFlag) is not null ? "--key" : key is not null ? ApiKeyVariable : null;
        if (server is null || key is null)
        {
            var saved = CliContextFile.Load(configPath).CurrentContext;
            server ??= FirstPresent(saved?.Server);
            if (key is null && FirstPresent(saved?.ApiKey) is { } savedKey)
            {
                key = savedKey;
                source = $"context '{saved!.Name}' of {configPath}";
            }
        }
        if (server is null)
            throw new CliException($"no Baton server configured: run `baton login --server URL --key KEY`, pass --server or set {ServerVariable}.");
        if (key is null)
            throw new CliException($"no API key configured: run `baton login --server URL --key KEY`, pass --key or set {ApiKeyVariable}.");
        return new ServerConnection(ParseServerUrl(server), key, source);
    }

    /// <summary>An absolute http(s) URL; a bare <c>host:port</c> is taken as http.</summary>
    public static Uri ParseServerUrl(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.Contains("://", StringComparison.Ordinal)) trimmed = "http://" + trimmed;
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"'{text}' is not a server URL such as http://127.0.0.1:8080.");
        return uri;
    }

    public override string ToString() => $"ServerConnection {{ Server = {Server}, ApiKey = *** }}";

    private static string? FirstPresent(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
