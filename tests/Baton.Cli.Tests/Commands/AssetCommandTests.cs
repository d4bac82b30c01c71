using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton asset …</c> against a recording fake server: secrets come from standard input, never from arguments, and are never printed.</summary>
public sealed class AssetCommandTests : IDisposable
{
    private const string Secret = "hunter2-but-longer";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static AssetDto Credential(string name = "db") => new(
        name, "credential", "nightly", null, "the warehouse", new AssetValueDto(null, "svc", true),
        new Dictionary<string, AssetValueDto> { ["gpu"] = new(null, "gpu-svc", true) }, Dtos.At, Dtos.At);

    private static AssetDto Text(string name = "url") => new(
        name, "text", null, null, null, new AssetValueDto(JsonSerializer.SerializeToElement("https://crm.example.com"), null, false),
        new Dictionary<string, AssetValueDto>(), Dtos.At, Dtos.At);

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPut("/api/v1/assets/{name}", (string name, SaveAssetRequest request) =>
            FakeBatonServer.Json(request.Type == "credential" ? Credential(name) : Text(name), 201));
        app.MapPut("/api/v1/assets/{name}/overrides/{group}", (string name, string group) => FakeBatonServer.Json(Credential(name)));
        app.MapGet("/api/v1/assets", () => FakeBatonServer.Json(new ListResponse<AssetDto>([Credential(), Text()])));
        app.MapGet("/api/v1/assets/{name}", (string name) => FakeBatonServer.Json(Credential(name)));
        app.MapDelete("/api/v1/assets/{name}", (string name) => Results.NoContent());
        app.MapDelete("/api/v1/assets/{name}/overrides/{group}", (string name, string group) => Results.NoContent());
        app.MapPost("/api/v1/assets/{name}/reveal", (string name, string? group) => FakeBatonServer.Json(new RevealedCredentialDto(name, group, "svc", Secret)));
    });

    [Fact]
    public async Task Set_reads_a_credentials_secret_from_standard_input_and_never_prints_it()
    {
        await using var server = await StartServerAsync();
        _cli.Input = Secret + "\n";

        var result = await _cli.RunAgainstAsync(server, "asset", "set", "db", "--type", "credential", "--username", "svc", "--queue", "nightly");

        Assert.True(result.ExitCode == 0, result.ToString());
        var sent = JsonSerializer.Deserialize<SaveAssetRequest>(server.Single("PUT", "/api/v1/assets/db").Body, BatonJson.Wire)!;
        Assert.Equal(("credential", "svc", Secret, "nightly", (JsonElement?)null), (sent.Type, sent.Username, sent.Secret, sent.Queue, sent.Value));
        Assert.DoesNotContain(Secret, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_refuses_an_empty_secret_and_values_of_the_wrong_kind_without_calling_the_server()
    {
        await using var server = await StartServerAsync();

        var empty = await _cli.RunAgainstAsync(server, "asset", "set", "db", "--type", "credential");
        var notNumber = await _cli.RunAgainstAsync(server, "asset", "set", "n", "--type", "number", "--value", "many");
        var valueForCredential = await _cli.RunAgainstAsync(server, "asset", "set", "db", "--type", "credential", "--value", "x");

        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("the secret is empty", empty.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, notNumber.ExitCode);
        Assert.Contains("not a number", notNumber.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, valueForCredential.ExitCode);
        Assert.DoesNotContain(server.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Set_sends_typed_values_and_group_overrides()
    {
        await using var server = await StartServerAsync();

        var number = await _cli.RunAgainstAsync(server, "asset", "set", "workers", "--type", "number", "--value", "16");
        _cli.Input = "gpu-secret-value";
        var overridden = await _cli.RunAgainstAsync(server, "asset", "set", "db", "--group", "gpu", "--username", "gpu-svc");

        Assert.True(number.ExitCode == 0, number.ToString());
        var sent = JsonSerializer.Deserialize<SaveAssetRequest>(server.Single("PUT", "/api/v1/assets/workers").Body, BatonJson.Wire)!;
        Assert.Equal(("number", "16"), (sent.Type, sent.Value!.Value.GetRawText()));
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
        var sentOverride = JsonSerializer.Deserialize<AssetOverrideRequest>(server.Single("PUT", "/api/v1/assets/db/overrides/gpu").Body, BatonJson.Wire)!;
        Assert.Equal(("gpu-svc", "gpu-secret-value"), (sentOverride.Username, sentOverride.Secret));
        Assert.Contains("for agent group 'gpu'", overridden.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_and_get_show_values_but_only_that_a_credential_has_a_secret_and_reveal_prints_it()
    {
        await using var server = await StartServerAsync();

        var list = await _cli.RunAgainstAsync(server, "asset", "list");
        var get = await _cli.RunAgainstAsync(server, "asset", "get", "db");
        var reveal = await _cli.RunAgainstAsync(server, "asset", "get", "db", "--reveal", "--group", "gpu");
        var deleteOverride = await _cli.RunAgainstAsync(server, "asset", "delete", "db", "--group", "gpu");
        var delete = await _cli.RunAgainstAsync(server, "asset", "delete", "db");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("https://crm.example.com", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("svc / (secret)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("queue nightly", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("Override gpu", get.Stdout, StringComparison.Ordinal);
        Assert.Equal(Secret, reveal.Stdout.Trim());
        Assert.Contains(server.Requests, r => r.Method == "POST" && r.PathAndQuery == "/api/v1/assets/db/reveal?group=gpu");
        Assert.Equal((0, 0), (deleteOverride.ExitCode, delete.ExitCode));
        Assert.Contains(server.Requests, r => r.Method == "DELETE" && r.PathAndQuery == "/api/v1/assets/db/overrides/gpu");
        Assert.Contains(server.Requests, r => r.Method == "DELETE" && r.PathAndQuery == "/api/v1/assets/db");
    }
}
