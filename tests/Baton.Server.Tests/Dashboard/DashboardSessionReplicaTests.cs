using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Baton.Server.Dashboard;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Dashboard;

/// <summary>
/// Sign-out across replicas: two servers on one PostgreSQL; a session signed out on one is refused by the other within
/// seconds, though its cookie is still validly signed and unexpired.
/// </summary>
public sealed class DashboardSessionReplicaTests : TwoPostgresReplicas
{
    [Fact]
    public async Task A_session_signed_out_on_one_replica_is_refused_by_the_other_within_seconds()
    {
        using var anonymous = A.Client(null);
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/session")
        {
            Content = new StringContent($$"""{"apiKey":"{{ServerHarness.AdminKey}}"}""", Encoding.UTF8, "application/json"),
        };
        var signedIn = await anonymous.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var csrf = (await signedIn.Content.ReadFromJsonAsync<DashboardSessionDto>(ServerHarness.Json))!.CsrfToken;
        var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("baton_session=", StringComparison.Ordinal));
        var cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];

        using var onA = A.Client(null);
        onA.DefaultRequestHeaders.Add("Cookie", cookie);
        using var onB = B.Client(null);
        onB.DefaultRequestHeaders.Add("Cookie", cookie);
        // The other replica honours the session (and has just checked that it is not revoked).
        (await onB.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();

        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/session");
        signOut.Headers.Add(DashboardSessions.CsrfHeader, csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await onA.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.GetAsync("/api/v1/me")).StatusCode);

        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            await Task.Delay(100);
            status = (await onB.GetAsync("/api/v1/me")).StatusCode;
        }
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        // Refused once its replica's last check has aged out (2 s), not at some later sweep; the bound allows for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"The other replica refused the session only after {clock.Elapsed}.");
    }
}
