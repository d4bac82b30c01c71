using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Secrets;

/// <summary>
/// Asset credentials at rest, on each backend: after saving, overriding and replacing credentials through the API, the
/// database holds none of their secrets in clear (the table is scanned, not the API trusted) — yet a reveal still opens them.
/// </summary>
public abstract class AssetSecretsAtRestTests : IAsyncLifetime
{
    protected string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "baton-asset-secrets-" + Guid.NewGuid().ToString("N"));

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    protected abstract void UseBackend(ServerOptions options);

    protected abstract Task<int> CountOccurrencesInDatabaseAsync(string text);

    [Fact]
    public async Task The_database_never_holds_an_asset_credential_in_clear()
    {
        var first = "cred-first-" + Guid.NewGuid().ToString("N");
        var second = "cred-second-" + Guid.NewGuid().ToString("N");
        var group = "cred-group-" + Guid.NewGuid().ToString("N");
        await using (var server = await new ServerHarness(DataDirectory).StartAsync(UseBackend))
        {
            using var tenant = await server.CreateTenantAsync();
            await tenant.Client.PutAsJsonAsync("/api/v1/assets/db", new { type = "credential", username = "svc", secret = first }).ShouldBeAsync(HttpStatusCode.Created);
            await tenant.Client.PutAsJsonAsync("/api/v1/assets/db", new { type = "credential", username = "svc", secret = second }).ShouldBeAsync(HttpStatusCode.OK);
            await tenant.Client.PutAsJsonAsync("/api/v1/assets/db/overrides/gpu", new { secret = group }).ShouldBeAsync(HttpStatusCode.OK);
            Assert.Equal(second, (await tenant.Client.PostAsync("/api/v1/assets/db/reveal", null).ReadAsync<RevealedCredentialDto>()).Secret);
            Assert.Equal(group, (await tenant.Client.PostAsync("/api/v1/assets/db/reveal?group=gpu", null).ReadAsync<RevealedCredentialDto>()).Secret);
        }

        foreach (var secret in new[] { first, second, group })
        {
            Assert.Equal(0, await CountOccurrencesInDatabaseAsync(secret));
        }
        // The scan does look where the sealed values are.
        Assert.True(await CountOccurrencesInDatabaseAsync(ProtectedValue.Prefix) >= 2);
    }
}

public sealed class SqliteAssetSecretsAtRestTests : AssetSecretsAtRestTests
{
    protected override void UseBackend(ServerOptions options)
    {
    }

    protected override Task<int> CountOccurrencesInDatabaseAsync(string text) => Task.FromResult(DatabaseScan.CountInSqlite(DataDirectory, text));
}

public sealed class PostgresAssetSecretsAtRestTests : AssetSecretsAtRestTests
{
    private TestPostgres? _postgres;

    public override async Task InitializeAsync() => _postgres = await TestPostgres.CreateAsync();

    public override async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void UseBackend(ServerOptions options)
    {
        options.Storage = "postgres";
        options.Postgres = _postgres!.AppConnectionString;
        options.PostgresMigration = _postgres.OwnerConnectionString;
    }

    protected override Task<int> CountOccurrencesInDatabaseAsync(string text) =>
        DatabaseScan.CountInPostgresAsync(_postgres!.OwnerConnectionString, text, "asset_values");
}
