using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// Every route has a body limit that holds after decompression too, and a caller that is not
/// authenticated never gets more than a small one, whatever the route.
/// </summary>
public sealed class RequestBodyLimitTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A JSON document of about <paramref name="megabytes"/> MiB, gzip-compressed to a few dozen KiB.</summary>
    internal static HttpContent GzipBomb(string field, int megabytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes($"{{\"{field}\":\""));
            var chunk = Encoding.UTF8.GetBytes(new string('a', 1024 * 1024));
            for (var i = 0; i < megabytes; i++) gzip.Write(chunk);
            gzip.Write("\"}"u8);
        }
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    [Theory]
    [InlineData("/api/v1/auth/token", "apiKey")]
    [InlineData("/api/agent/v1/register", "enrollmentToken")]
    public async Task Anonymous_compressed_bodies_are_cut_at_the_small_limit(string path, string field)
    {
        using var anonymous = _server.Client(null);
        var content = GzipBomb(field, 64);
        Assert.True(content.Headers.ContentLength < 200 * 1024);
        var response = await anonymous.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_anonymous_body_sent_to_a_route_that_needs_a_key_is_never_read()
    {
        using var anonymous = _server.Client(null);
        var response = await anonymous.PostAsync("/api/v1/tenants", GzipBomb("name", 64));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Anonymous_plain_bodies_are_cut_at_the_small_limit()
    {
        using var anonymous = _server.Client(null);
        var content = new StringContent($"{{\"apiKey\":\"{new string('a', 512 * 1024)}\"}}", Encoding.UTF8, "application/json");
        var response = await anonymous.PostAsync("/api/v1/auth/token", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Authenticated_compressed_bodies_are_cut_at_the_routes_limit()
    {
        using var tenant = await _server.CreateTenantAsync();
        var response = await tenant.Client.PostAsync("/api/v1/jobs", GzipBomb("package", 64));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        // A small compressed body still works: the limit is on size, not on compression.
        response = await tenant.Client.PostAsync("/api/v1/queues", Gzip("""{"name":"compressed-queue"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await _server.Client(null).GetAsync("/healthz").ShouldBeAsync(HttpStatusCode.OK);
    }

    private static HttpContent Gzip(string json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(json));
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }
}
