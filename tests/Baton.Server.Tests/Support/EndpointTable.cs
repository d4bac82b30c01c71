using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Support;

/// <summary>One route the server maps: its method, its template and the policy that guards it.</summary>
public sealed record MappedRoute(string Method, string Template, IReadOnlyList<string> Parameters, string? Policy, bool Anonymous)
{
    public override string ToString() => $"{Method} {Template}";

    /// <summary>The template with each parameter replaced by <paramref name="value"/>'s answer (escaped).</summary>
    public string Fill(Func<string, string> value)
    {
        var path = Template;
        foreach (var name in Parameters)
        {
            var start = path.IndexOf('{', StringComparison.Ordinal);
            var end = path.IndexOf('}', start);
            path = path[..start] + Uri.EscapeDataString(value(name)) + path[(end + 1)..];
        }
        return path;
    }
}

/// <summary>
/// The server's own endpoint table (its <see cref="EndpointDataSource"/>), so suites that must cover every
/// route are generated from what is mapped, never from a hand-kept list.
/// </summary>
public static class EndpointTable
{
    public static IReadOnlyList<MappedRoute> Read(ServerHarness server)
    {
        var source = server.Server.Services.GetRequiredService<EndpointDataSource>();
        var routes = new List<MappedRoute>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            // A group's "" route comes out with a trailing slash ("/api/v1/jobs/"); callers use it without.
            var template = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            var parameters = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            var policy = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods) routes.Add(new MappedRoute(method, template, parameters, policy, anonymous));
        }
        return [.. routes.DistinctBy(r => r.ToString()).OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)];
    }

    public static HttpMethod Method(this MappedRoute route) => new(route.Method);
}
