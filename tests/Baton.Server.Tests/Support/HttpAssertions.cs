using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Baton.Server.Tests.Support;

public static class HttpAssertions
{
    public static async Task<HttpResponseMessage> ShouldBeAsync(this Task<HttpResponseMessage> pending, HttpStatusCode expected) =>
        await (await pending).ShouldBeAsync(expected);

    public static async Task<HttpResponseMessage> ShouldBeAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {(int)expected} {expected} but got {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
        return response;
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(ServerHarness.Json))!;

    public static async Task<T> ReadAsync<T>(this Task<HttpResponseMessage> pending, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await pending.ShouldBeAsync(expected)).ReadAsync<T>();

    /// <summary>Asserts a problem+json answer with the status and type, and returns it.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this Task<HttpResponseMessage> pending, HttpStatusCode status, string? type = null)
    {
        var response = await pending.ShouldBeAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (type is not null) Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), "A problem must say why.");
        return problem;
    }
}
