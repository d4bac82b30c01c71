using System.Collections.Concurrent;
using Baton.Cli.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on a free loopback port that answers only the endpoints a test maps, and
/// records every request it sees (method, path and query, headers, body).
/// </summary>
public sealed class FakeBatonServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeBatonServer(WebApplication app, ConcurrentQueue<RecordedRequest> requests)
    {
        _app = app;
        Requests = requests;
        Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; }

    public static async Task<FakeBatonServer> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = BatonJson.Wire.PropertyNamingPolicy;
        });
        var app = builder.Build();
        var requests = new ConcurrentQueue<RecordedRequest>();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            context.Request.Body.Position = 0;
            requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                buffer.ToArray()));
            await next(context);
        });
        map(app);
        await app.StartAsync();
        return new FakeBatonServer(app, requests);
    }

    public RecordedRequest Single(string method, string pathPrefix) =>
        Requests.Single(r => r.Method == method && r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>An answer as the real server gives it: JSON with the API's camelCase settings.</summary>
    public static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, BatonJson.Wire, statusCode: status);

    public static IResult Problem(int status, string title, string detail, string type) =>
        Results.Problem(detail: detail, title: title, statusCode: status, type: type);
}

public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
