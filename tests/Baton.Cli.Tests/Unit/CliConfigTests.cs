using Baton.Cli.Configuration;

namespace Baton.Cli.Tests.Unit;

public sealed class CliConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-config-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_creates_the_folder_and_Load_reads_back_the_same_values()
    {
        var path = Path.Combine(_folder, "nested", "baton", "config.json");

        new CliConfig("http://127.0.0.1:8080", "bk_secret").Save(path);

        Assert.Equal(new CliConfig("http://127.0.0.1:8080", "bk_secret"), CliConfig.Load(path));
    }

    [Fact]
    public void The_saved_file_is_readable_by_its_owner_only_even_when_it_existed_before()
    {
        if (OperatingSystem.IsWindows()) return; // Unix file modes only; this project's CI is Linux.
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, "{}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        new CliConfig("http://127.0.0.1:8080", "bk_secret").Save(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Logins_are_kept_per_server_and_data_folder_and_the_first_format_reads_as_one_context()
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, """{"server":"http://127.0.0.1:8080","apiKey":"bk_old"}""");
        var file = CliContextFile.Load(path);
        Assert.Equal(("127.0.0.1:8080", "bk_old"), (file.CurrentContext!.Name, file.CurrentContext.ApiKey));

        file.Remember("http://127.0.0.1:8080", "bk_first", "/data/.baton");
        file.Remember("http://127.0.0.1:8080", "bk_other", "/data/other");
        file.Save(path);
        var read = CliContextFile.Load(path);
        Assert.Equal(["127.0.0.1:8080", "baton@8080", "other@8080"], read.Contexts.Select(c => c.Name));
        Assert.Equal("other@8080", read.Current);
        Assert.Equal("bk_first", read.Find("http://127.0.0.1:8080", "/data/.baton")!.ApiKey);

        // The same folder again replaces its key, not another folder's; `up` switches back to it.
        read.Remember("http://127.0.0.1:8080/", "bk_first_2", "/data/.baton");
        Assert.Equal(("baton@8080", "bk_first_2"), (read.CurrentContext!.Name, read.CurrentContext.ApiKey));
        Assert.Equal("bk_other", read.Find("http://127.0.0.1:8080", "/data/other")!.ApiKey);
        Assert.Equal(3, read.Contexts.Count);
        Assert.DoesNotContain("bk_", read.CurrentContext.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_of_a_missing_file_is_null_and_a_corrupt_file_is_an_error()
    {
        Assert.Null(CliConfig.Load(Path.Combine(_folder, "absent.json")));

        var corrupt = Path.Combine(_folder, "corrupt.json");
        File.WriteAllText(corrupt, "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => CliConfig.Load(corrupt));
        Assert.Contains(corrupt, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_path_follows_XDG_CONFIG_HOME_then_HOME()
    {
        Assert.Equal("/xdg/baton/config.json", CliConfig.PathFor(n => n switch { "XDG_CONFIG_HOME" => "/xdg", "HOME" => "/home/u", _ => null }));
        Assert.Equal("/home/u/.config/baton/config.json", CliConfig.PathFor(n => n == "HOME" ? "/home/u" : null));
    }

    [Fact]
    public void ToString_never_shows_the_key()
    {
        Assert.DoesNotContain("bk_secret", new CliConfig("http://x", "bk_secret").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_beat_environment_which_beats_the_config_file_each_on_its_own()
    {
        var path = Path.Combine(_folder, "config.json");
        new CliConfig("http://from-file:1", "file-key").Save(path);
        var environment = new Dictionary<string, string> { [ServerConnection.ServerVariable] = "http://from-env:2" };
        string? Env(string name) => environment.GetValueOrDefault(name);

        var fromFileAndEnv = ServerConnection.Resolve(null, null, Env, path);
        Assert.Equal("http://from-env:2/", fromFileAndEnv.Server.AbsoluteUri);
        Assert.Equal("file-key", fromFileAndEnv.ApiKey);

        environment[ServerConnection.ApiKeyVariable] = "env-key";
        var fromEnv = ServerConnection.Resolve(null, null, Env, path);
        Assert.Equal("env-key", fromEnv.ApiKey);

        var fromFlags = ServerConnection.Resolve("http://from-flag:3", "flag-key", Env, path);
        Assert.Equal("http://from-flag:3/", fromFlags.Server.AbsoluteUri);
        Assert.Equal("flag-key", fromFlags.ApiKey);
    }

    [Fact]
    public void Nothing_configured_is_an_error_that_says_how_to_log_in()
    {
        var error = Assert.Throws<CliException>(() => ServerConnection.Resolve(null, null, _ => null, Path.Combine(_folder, "none.json")));

        Assert.Contains("baton login", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("https://baton.example.com/prefix", "https://baton.example.com/prefix")]
    public void Server_urls_without_a_scheme_are_http(string text, string expected)
    {
        Assert.Equal(expected, ServerConnection.ParseServerUrl(text).AbsoluteUri);
    }

    [Fact]
    public void A_non_http_server_url_is_a_usage_error()
    {
        Assert.Throws<UsageException>(() => ServerConnection.ParseServerUrl("ftp://host"));
    }
}
