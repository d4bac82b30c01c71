using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Dashboard;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Dashboard;

/// <summary>
/// The dashboard's session over HTTP, without a browser: the cookie's attributes, CSRF on every write made with it,
/// the session's audience kept apart from API tokens, revocation, expiry, roles and tenants.
/// </summary>
public sealed class DashboardSessionTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Signing_in_sets_an_http_only_same_site_strict_cookie_and_answers_the_csrf_token()
    {
        using var anonymous = _server.Client(null);
        var response = await SignInAsync(anonymous, ServerHarness.AdminKey);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("baton_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/", cookie, StringComparison.Ordinal);
        Assert.Contains("expires=", cookie, StringComparison.Ordinal);
        // Plain HTTP here: Secure is set only under TLS, or the browser would drop the cookie.
        Assert.DoesNotContain("secure", cookie, StringComparison.Ordinal);
        var session = await response.ReadAsync<DashboardSessionDto>();
        Assert.Equal("admin", session.Role);
        Assert.True(session.SystemAdmin);
        Assert.False(string.IsNullOrEmpty(session.CsrfToken));
    }

    [Fact]
    public async Task Behind_a_tls_terminating_proxy_the_cookie_is_secure_and_the_public_origin_is_accepted()
    {
        using var anonymous = _server.Client(null);
        using var request = SignInRequest(ServerHarness.AdminKey);
        request.Headers.Add("Origin", "https://baton.example.com");
        request.Headers.Add("X-Forwarded-Host", "baton.example.com");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("baton_session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie.ToLowerInvariant(), StringComparison.Ordinal);

        using var same = SignInRequest(ServerHarness.AdminKey);
        same.Headers.Add("Origin", _server.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var second = _server.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(same)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_or_another_sites_origin_gets_no_session()
    {
        using var anonymous = _server.Client(null);
        var unknown = await SignInAsync(anonymous, "bk_no_such_key_000000000000000000", expect: HttpStatusCode.Unauthorized);
        Assert.False(unknown.Headers.Contains("Set-Cookie"));

        using var request = SignInRequest(ServerHarness.AdminKey);
        request.Headers.Add("Origin", "https://evil.example");
        var foreign = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.False(foreign.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Writes_with_the_cookie_need_the_csrf_token_and_reads_do_not()
    {
        var (client, csrf) = await SessionAsync(ServerHarness.AdminKey);
        using (client)
        {
            (await client.GetAsync("/api/v1/queues")).EnsureSuccessStatusCode();
            var refused = await client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("no-token"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var wrong = Json(HttpMethod.Post, "/api/v1/queues", """{"name":"wrong-token"}""", "not-the-token");
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(wrong)).StatusCode);
            var queues = await client.GetFromJsonAsync<ListResponse<QueueDto>>("/api/v1/queues", ServerHarness.Json);
            Assert.DoesNotContain(queues!.Items, q => q.Name is "no-token" or "wrong-token");

            using var right = Json(HttpMethod.Post, "/api/v1/queues", """{"name":"with-token"}""", csrf);
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(right)).StatusCode);
        }
    }

    [Fact]
    public async Task A_session_token_is_not_a_bearer_token_and_an_api_token_is_not_a_session()
    {
        using var anonymous = _server.Client(null);
        var signIn = await SignInAsync(anonymous, ServerHarness.AdminKey);
        var sessionToken = CookieValue(signIn);
        using (var bearer = _server.Client(sessionToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/me")).StatusCode);
        }

        // A fresh client: the first one keeps the session cookie, and a write made with it would need the CSRF token.
        using var fresh = _server.Client(null);
        var apiToken = await fresh.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(ServerHarness.AdminKey)).ReadAsync<TokenResponse>();
        using var withCookie = _server.Client(null);
        withCookie.DefaultRequestHeaders.Add("Cookie", "baton_session=" + apiToken.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withCookie.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_key_ends_its_sessions()
    {
        using var admin = _server.Client();
        var key = await admin.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("short-lived", "operator")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        var (client, _) = await SessionAsync(key.Secret);
        using (client)
        {
            (await client.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();
            (await admin.DeleteAsync($"/api/v1/keys/{key.Key.Id}")).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
        }
    }

    [Fact]
    public async Task A_page_carries_its_session_as_a_data_block_that_no_cache_stores()
    {
        using var anonymous = _server.Client(null);
        var signedOut = await anonymous.GetAsync("/jobs");
        Assert.Equal("null", SessionBlockOf(await signedOut.Content.ReadAsStringAsync()));
        Assert.True(signedOut.Headers.CacheControl!.NoStore);
        Assert.False(signedOut.Headers.Contains("Link"));

        using var tenant = await _server.CreateTenantAsync();
        var (client, csrf) = await SessionAsync(tenant.AdminKey);
        using (client)
        {
            var page = await client.GetAsync("/jobs/j_anything");
            Assert.True(page.Headers.CacheControl!.NoStore);
            var embedded = JsonSerializer.Deserialize<DashboardSessionDto>(SessionBlockOf(await page.Content.ReadAsStringAsync()), ServerHarness.Json)!;
            var asked = await client.GetFromJsonAsync<DashboardSessionDto>("/api/v1/auth/session", ServerHarness.Json);
            Assert.Equal(asked, embedded);
            Assert.Equal((tenant.Tenant.Id, csrf), (embedded.TenantId, embedded.CsrfToken));
            // A job page's first reads leave with the shell; the session is not one of them.
            var links = page.Headers.GetValues("Link").Single();
            Assert.Contains("</api/v1/jobs/j_anything>; rel=preload", links, StringComparison.Ordinal);
            Assert.Contains("</api/v1/jobs/j_anything/logs/compact?after=0&limit=10000>; rel=preload", links, StringComparison.Ordinal);
            Assert.DoesNotContain("auth/session", links, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_value_in_the_session_block_can_end_its_element()
    {
        var hostile = new DashboardSessionDto("t_1", "</script><script>alert(1)</script><!--", "admin", false, "c<s>rf", DateTimeOffset.UnixEpoch);
        var html = Encoding.UTF8.GetString(DashboardAssets.SessionBlock(hostile, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
        // With an encoder that leaves < as it is, the block still holds one element: its own start and end tags, and no other <.
        Assert.Equal(2, html.Count(c => c == '<'));
        Assert.StartsWith("<script type=\"application/json\" id=\"baton-session\">", html, StringComparison.Ordinal);
        Assert.EndsWith("</script>\n", html, StringComparison.Ordinal);
        var parsed = JsonSerializer.Deserialize<DashboardSessionDto>(SessionBlockOf(html), ServerHarness.Json);
        Assert.Equal(hostile, parsed);
    }

    private static string SessionBlockOf(string html)
    {
        const string open = "<script type=\"application/json\" id=\"baton-session\">";
        var start = html.IndexOf(open, StringComparison.Ordinal);
        Assert.True(start >= 0, "The page has no session block.");
        start += open.Length;
        return html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)];
    }

    [Fact]
    public async Task A_viewers_session_is_refused_writes_even_with_the_csrf_token()
    {
        using var admin = _server.Client();
        var key = await admin.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        var (client, csrf) = await SessionAsync(key.Secret);
        using (client)
        {
            var session = await client.GetFromJsonAsync<DashboardSessionDto>("/api/v1/auth/session", ServerHarness.Json);
            Assert.Equal("viewer", session!.Role);
            using var write = Json(HttpMethod.Post, "/api/v1/queues", """{"name":"by-viewer"}""", csrf);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(write)).StatusCode);
        }
    }

    [Fact]
    public async Task Another_tenants_session_sees_none_of_this_tenants_jobs()
    {
        using var owner = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        (await owner.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello()))).EnsureSuccessStatusCode();
        var job = await owner.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);

        var (client, _) = await SessionAsync(other.AdminKey);
        using (client)
        {
            foreach (var path in new[] { $"/api/v1/jobs/{job.Id}", $"/api/v1/jobs/{job.Id}/stream", $"/api/v1/jobs/{job.Id}/logs" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
            }
            var overview = await client.GetFromJsonAsync<OverviewDto>("/api/v1/overview", ServerHarness.Json);
            Assert.Equal(0, overview!.JobsPending);
            Assert.Equal(other.Tenant.Id, overview.Tenant!.Id);
        }
        var own = await owner.Client.GetFromJsonAsync<OverviewDto>("/api/v1/overview", ServerHarness.Json);
        Assert.Equal(1, own!.JobsPending);
    }

    [Fact]
    public async Task A_session_expires()
    {
        await using var server = new ServerHarness();
        await server.StartAsync(o => o.DashboardSessionLifetime = TimeSpan.FromSeconds(2));
        using var anonymous = server.Client(null);
        var token = CookieValue(await SignInAsync(anonymous, ServerHarness.AdminKey));
        using var client = server.Client(null);
        client.DefaultRequestHeaders.Add("Cookie", "baton_session=" + token);
        (await client.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_needs_the_csrf_token_and_clears_the_cookie()
    {
        var (client, csrf) = await SessionAsync(ServerHarness.AdminKey);
        using (client)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("/api/v1/auth/session")).StatusCode);
            using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/session");
            signOut.Headers.Add(DashboardSessions.CsrfHeader, csrf);
            var response = await client.SendAsync(signOut);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            var cleared = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            Assert.StartsWith("baton_session=;", cleared, StringComparison.Ordinal);
            Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Signing_out_revokes_the_session_so_a_kept_copy_of_the_cookie_is_refused()
    {
        var (client, csrf) = await SessionAsync(ServerHarness.AdminKey);
        var (other, _) = await SessionAsync(ServerHarness.AdminKey);
        using (client)
        using (other)
        {
            var cookie = client.DefaultRequestHeaders.GetValues("Cookie").Single();
            using var copy = _server.Client(null);
            copy.DefaultRequestHeaders.Add("Cookie", cookie);
            (await copy.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();

            using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/session");
            signOut.Headers.Add(DashboardSessions.CsrfHeader, csrf);
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(signOut)).StatusCode);

            // The copy still carries a validly signed, unexpired token: refused all the same, for reads and writes.
            Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/me")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/auth/session")).StatusCode);
            using var write = Json(HttpMethod.Post, "/api/v1/queues", """{"name":"after-sign-out"}""", csrf);
            Assert.Equal(HttpStatusCode.Unauthorized, (await copy.SendAsync(write)).StatusCode);
            // Only that session ended: another one of the same key goes on.
            (await other.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task The_cron_preview_lists_the_next_fires_or_says_what_is_wrong()
    {
        using var admin = _server.Client();
        var preview = await admin.GetFromJsonAsync<CronPreviewDto>("/api/v1/schedules/preview?cron=0%209%20*%20*%20mon&timeZone=Europe/Paris&count=3", ServerHarness.Json);
        Assert.Equal(3, preview!.Fires.Count);
        Assert.True(preview.Fires.SequenceEqual(preview.Fires.Order()));
        Assert.All(preview.Fires, f => Assert.Equal(DayOfWeek.Monday, TimeZoneInfo.ConvertTime(f, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).DayOfWeek));
        var problem = await admin.GetAsync("/api/v1/schedules/preview?cron=61%20*%20*%20*%20*").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("cron", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_cron_preview_applies_the_named_calendar_as_the_schedule_will()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("weekdays", ["mon", "tue", "wed", "thu", "fri"], TimeZone: "UTC"))
            .ShouldBeAsync(HttpStatusCode.Created);
        const string daily = "/api/v1/schedules/preview?cron=0%209%20*%20*%20*&timeZone=UTC&count=10";

        var plain = await tenant.Client.GetFromJsonAsync<CronPreviewDto>(daily, ServerHarness.Json);
        Assert.Contains(plain!.Fires, f => f.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.Null(plain.Calendar);

        // A calendar without a mode keeps to business days, as a schedule saved with it would.
        var onCalendar = await tenant.Client.GetFromJsonAsync<CronPreviewDto>(daily + "&calendar=weekdays", ServerHarness.Json);
        Assert.Equal(10, onCalendar!.Fires.Count);
        Assert.All(onCalendar.Fires, f => Assert.True(f.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday), $"{f} is a weekend day"));
        Assert.Equal(("weekdays", "business-days-only"), (onCalendar.Calendar, onCalendar.CalendarMode));

        // The same fires as the schedule's own timeline once it is saved.
        var saved = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello()));
        saved.EnsureSuccessStatusCode();
        var schedule = await tenant.Client.PostAsJsonAsync("/api/v1/schedules",
            new CreateScheduleRequest("daily", "0 9 * * *", "hello", TimeZone: "UTC", Calendar: "weekdays", CalendarMode: "next-business-day"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        var next = await tenant.Client.GetFromJsonAsync<ScheduleFiresDto>($"/api/v1/schedules/{schedule.Id}/next?count=10", ServerHarness.Json);
        var previewed = await tenant.Client.GetFromJsonAsync<CronPreviewDto>(daily + "&calendar=weekdays&calendarMode=next-business-day", ServerHarness.Json);
        Assert.Equal(next!.Fires, previewed!.Fires);

        var bad = await tenant.Client.GetAsync(daily + "&calendar=weekdays&calendarMode=sometimes").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("calendarMode", bad.GetProperty("field").GetString());
        // Another tenant's calendar is not there for this one.
        var missing = await other.Client.GetAsync(daily + "&calendar=weekdays").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("calendar", missing.GetProperty("field").GetString());
    }

    private static HttpRequestMessage SignInRequest(string key) =>
        new(HttpMethod.Post, "/api/v1/auth/session") { Content = new StringContent($$"""{"apiKey":"{{key}}"}""", Encoding.UTF8, "application/json") };

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string key, HttpStatusCode expect = HttpStatusCode.OK)
    {
        using var request = SignInRequest(key);
        var response = await client.SendAsync(request);
        Assert.Equal(expect, response.StatusCode);
        return response;
    }

    private static string CookieValue(HttpResponseMessage signIn)
    {
        var header = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("baton_session=", StringComparison.Ordinal));
        return header["baton_session=".Length..header.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>A client that sends only the session cookie (no bearer token), and the session's CSRF token.</summary>
    private async Task<(HttpClient Client, string Csrf)> SessionAsync(string key)
    {
        using var anonymous = _server.Client(null);
        var signIn = await SignInAsync(anonymous, key);
        var session = await signIn.ReadAsync<DashboardSessionDto>();
        var client = _server.Client(null);
        client.DefaultRequestHeaders.Add("Cookie", "baton_session=" + CookieValue(signIn));
        return (client, session.CsrfToken);
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string body, string csrf)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(DashboardSessions.CsrfHeader, csrf);
        return request;
    }
}
