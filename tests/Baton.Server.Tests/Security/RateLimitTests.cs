using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Core.Throttling;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tests.Security;

/// <summary>
/// Per-address and per-key limits on failed authentications and on writes: past them the server answers 429 with
/// Retry-After and the IETF RateLimit fields, changes nothing, and counts the refusals per source.
/// </summary>
public sealed class RateLimitTests
{
    /// <summary>Windows of ten minutes: no token comes back during a test, however slow the machine.</summary>
    private static Task<ServerHarness> StartAsync(Action<ServerOptions> limits) =>
        new ServerHarness().StartAsync(o =>
        {
            o.RateLimits.Enabled = true;
            o.RateLimits.AuthFailureWindow = TimeSpan.FromMinutes(10);
            o.RateLimits.WriteWindow = TimeSpan.FromMinutes(10);
            limits(o);
        });

    private static HttpClient BadKeyClient(ServerHarness server) => server.Client("bk_wrong_" + Guid.NewGuid().ToString("N"));

    private static string Header(HttpResponseMessage response, string name) => string.Join(", ", response.Headers.GetValues(name));

    [Fact]
    public async Task Failed_authentications_from_one_address_are_answered_429_once_its_budget_is_spent()
    {
        await using var server = await StartAsync(o => (o.RateLimits.AuthFailuresPerAddress, o.RateLimits.AuthFailuresPerKey) = (5, 100));
        using var anonymous = server.Client(bearer: null);

        // Guesses of every kind spend the address's budget: API keys, token exchanges, agent credentials, enrollment tokens.
        for (var i = 0; i < 2; i++)
        {
            using var guess = BadKeyClient(server);
            await guess.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.Unauthorized);
        }
        await anonymous.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest("bk_guess")).ShouldBeAsync(HttpStatusCode.Unauthorized);
        using (var agentGuess = server.Client("ba_guess"))
        {
            await agentGuess.PostAsJsonAsync("/api/agent/v1/poll", new { }).ShouldBeAsync(HttpStatusCode.Unauthorized);
        }
        await anonymous.PostAsJsonAsync("/api/agent/v1/register", new RegisterAgentRequest("be_guess", "a",
            new AgentCapabilities("linux", "x64", [], new Dictionary<string, string>()), 1, new AgentResources(1, 1, 1), "1")).ShouldBeAsync(HttpStatusCode.Unauthorized);
        // Calls without any credential are not guesses, nor is the dashboard asking whether it is signed in (every visit does).
        for (var i = 0; i < 10; i++) await anonymous.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.Unauthorized);
        for (var i = 0; i < 10; i++) await anonymous.GetAsync("/api/v1/auth/session").ShouldBeAsync(HttpStatusCode.Unauthorized);

        using var next = BadKeyClient(server);
        var refused = await next.GetAsync("/api/v1/jobs");
        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"auth-failures-per-address\";q=5;w=600", Header(refused, "RateLimit-Policy"));
        Assert.Equal("\"auth-failures-per-address\";r=0;t=120", Header(refused, "RateLimit"));
        Assert.Equal(TimeSpan.FromSeconds(120), refused.Headers.RetryAfter?.Delta);
        // Per address: even a valid key from here waits, while anonymous routes and health still answer.
        using var admin = server.Client();
        await admin.GetAsync("/api/v1/me").ShouldBeAsync(HttpStatusCode.TooManyRequests);
        await anonymous.GetAsync("/healthz").ShouldBeAsync(HttpStatusCode.OK);

        var counters = server.Server.Services.GetRequiredService<IRequestSourceCounters>().Snapshot();
        var address = Assert.Single(counters, c => c.Kind == RequestSourceKind.Address);
        Assert.Equal(("127.0.0.1", 5L, 2L), (address.Source, address.AuthenticationFailures, address.Refusals));
        Assert.Equal(counters[0], address);
    }

    [Fact]
    public async Task A_revoked_key_used_again_and_again_is_slowed_on_its_own()
    {
        await using var server = await StartAsync(o => (o.RateLimits.AuthFailuresPerAddress, o.RateLimits.AuthFailuresPerKey) = (100, 3));
        using var tenant = await server.CreateTenantAsync();
        var leaked = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("leaked", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        await tenant.Client.DeleteAsync($"/api/v1/keys/{leaked.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        using var attacker = server.Client(leaked.Secret);

        for (var i = 0; i < 3; i++) await attacker.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.Unauthorized);
        var refused = await attacker.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"));

        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("\"auth-failures-per-key\";q=3;w=600", Header(refused, "RateLimit-Policy"));
        Assert.Equal(TimeSpan.FromSeconds(200), refused.Headers.RetryAfter?.Delta);
        await tenant.Client.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);
        var key = Assert.Single(server.Server.Services.GetRequiredService<IRequestSourceCounters>().Snapshot(), c => c.Kind == RequestSourceKind.ApiKey && c.Source == leaked.Key.Id);
        Assert.Equal((3L, 1L), (key.AuthenticationFailures, key.Refusals));
    }

    [Fact]
    public async Task Writes_past_a_keys_limit_are_refused_and_change_nothing_while_reads_and_other_keys_go_on()
    {
        await using var server = await StartAsync(o => (o.RateLimits.WritesPerKey, o.RateLimits.WritesPerAddress) = (4, 1000));
        using var tenant = await server.CreateTenantAsync();
        var other = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("other", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);

        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("q" + i)).ShouldBeAsync(HttpStatusCode.Created);
            Assert.StartsWith("\"writes-per-key\";q=4;w=600, \"writes-per-address\";q=1000;w=600", Header(created, "RateLimit-Policy"), StringComparison.Ordinal);
            remaining.Add(Header(created, "RateLimit").Split(',')[0]);
        }
        Assert.Equal(["\"writes-per-key\";r=2;t=300", "\"writes-per-key\";r=1;t=450", "\"writes-per-key\";r=0;t=150"], remaining);

        var refused = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("one-too-many"));
        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(150), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("\"writes-per-key\";r=0;t=150", Header(refused, "RateLimit"));
        await tenant.Client.GetAsync("/api/v1/queues/one-too-many").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var otherClient = server.Client(other.Secret);
        await otherClient.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("from-another-key")).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Writes_past_an_addresss_limit_are_refused_whichever_key_sends_them()
    {
        await using var server = await StartAsync(o => (o.RateLimits.WritesPerKey, o.RateLimits.WritesPerAddress) = (1000, 3));
        using var admin = server.Client();
        for (var i = 0; i < 3; i++) await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("rate-" + i)).ShouldBeAsync(HttpStatusCode.Created);

        var refused = await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("rate-x"));

        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("\"writes-per-address\";q=3;w=600", Header(refused, "RateLimit-Policy"));
        await admin.GetAsync("/api/v1/tenants").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_spent_budget_refills_over_its_window()
    {
        await using var server = await StartAsync(o => (o.RateLimits.WritesPerKey, o.RateLimits.WriteWindow) = (2, TimeSpan.FromSeconds(2)));
        using var tenant = await server.CreateTenantAsync();
        for (var i = 0; i < 2; i++) await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("r" + i)).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("r2")).ShouldBeAsync(HttpStatusCode.TooManyRequests);

        await WebhookReceiver.WaitUntilAsync(async () =>
        {
            using var response = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("r2"));
            return response.StatusCode == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(20), "a token to come back");
    }

    [Fact]
    public async Task Invalid_limits_stop_the_start()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(o => o.RateLimits.WritesPerKey = -1));
        Assert.Contains("RateLimits", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(o => o.RateLimits.AuthFailureWindow = TimeSpan.Zero));
    }

    [Fact]
    public async Task Limits_set_to_zero_are_off()
    {
        await using var server = await StartAsync(o => (o.RateLimits.WritesPerKey, o.RateLimits.WritesPerAddress) = (0, 0));
        using var tenant = await server.CreateTenantAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("free")).ShouldBeAsync(HttpStatusCode.Created);
        Assert.False(created.Headers.Contains("RateLimit"));
    }
}
