using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Core.Autoscaling;
using Baton.Server.Autoscaling.Providers;
using Baton.Server.Tests.Support;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Baton.Server.Tests.Autoscaling;

/// <summary>The Kubernetes provider against a fake API server: the exact <c>/scale</c> requests it sends.</summary>
public sealed class KubernetesScaleProviderTests : IAsyncLifetime
{
    private WebApplication _api = null!;
    private readonly ConcurrentQueue<(string Method, string Path, string? ContentType, string Body)> _requests = new();
    private readonly ConcurrentDictionary<string, int> _replicas = new();
    private string Url => _api.Urls.First();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _api = builder.Build();
        _api.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value!;
            _requests.Enqueue((context.Request.Method, path, context.Request.ContentType, body));
            var parts = path.Split('/');
            // /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale
            if (parts.Length != 9 || parts[^1] != "scale" || parts[6] is not ("deployments" or "statefulsets"))
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { kind = "Status", apiVersion = "v1", status = "Failure", message = "not found", code = 404 });
                return;
            }
            var key = $"{parts[5]}/{parts[6]}/{parts[7]}";
            if (parts[7] == "forbidden")
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsJsonAsync(new { kind = "Status", apiVersion = "v1", status = "Failure", message = "scale is forbidden", code = 403 });
                return;
            }
            if (context.Request.Method == "PATCH")
            {
                using var patch = System.Text.Json.JsonDocument.Parse(body);
                _replicas[key] = patch.RootElement.GetProperty("spec").GetProperty("replicas").GetInt32();
            }
            await context.Response.WriteAsJsonAsync(new
            {
                kind = "Scale",
                apiVersion = "autoscaling/v1",
                metadata = new { name = parts[7], @namespace = parts[5] },
                spec = new { replicas = _replicas.GetOrAdd(key, 2) },
                status = new { replicas = _replicas.GetOrAdd(key, 2) },
            });
        });
        await _api.StartAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private KubernetesScaleProvider Provider(string kind, string name) =>
        new(new Kubernetes(new KubernetesClientConfiguration { Host = Url }), kind, name, "baton");

    [Fact]
    public async Task A_deployment_is_read_and_set_through_its_scale_subresource()
    {
        await using var provider = Provider("Deployment", "agents");

        Assert.Equal(2, await provider.GetReplicasAsync(CancellationToken.None));
        await provider.SetReplicasAsync(5, CancellationToken.None);
        Assert.Equal(5, await provider.GetReplicasAsync(CancellationToken.None));

        var requests = _requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal(("GET", "/apis/apps/v1/namespaces/baton/deployments/agents/scale"), (requests[0].Method, requests[0].Path));
        Assert.Equal(("PATCH", "/apis/apps/v1/namespaces/baton/deployments/agents/scale"), (requests[1].Method, requests[1].Path));
        Assert.StartsWith("application/merge-patch+json", requests[1].ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"spec":{"replicas":5}}""", requests[1].Body);
        Assert.Equal("Deployment baton/agents", provider.Description);
    }

    [Fact]
    public async Task A_statefulset_uses_its_own_scale_path()
    {
        await using var provider = Provider("statefulset", "workers");
        await provider.SetReplicasAsync(0, CancellationToken.None);
        var patch = Assert.Single(_requests);
        Assert.Equal(("PATCH", "/apis/apps/v1/namespaces/baton/statefulsets/workers/scale", """{"spec":{"replicas":0}}"""), (patch.Method, patch.Path, patch.Body));
    }

    [Fact]
    public async Task A_refusal_becomes_a_provider_error_with_the_status()
    {
        await using var provider = Provider("Deployment", "forbidden");
        var error = await Assert.ThrowsAsync<ScalingProviderException>(() => provider.SetReplicasAsync(3, CancellationToken.None));
        Assert.Contains("Kubernetes answered 403 for Deployment baton/forbidden", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_autoscaler_role_scales_a_deployment_named_by_a_policy_with_a_kubeconfig()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), "baton-kubeconfig-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{Url}}}"}}]
            users: [{name: baton, user: {token: test-token}}]
            contexts: [{name: fake, context: {cluster: fake, user: baton}}]
            current-context: fake
            """);
        try
        {
            await using var server = await new ServerHarness().StartAsync(o => o.Autoscaler.Tick = TimeSpan.FromMilliseconds(200));
            using var admin = server.Client();
            await admin.PutAsJsonAsync("/api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest($$"""
                target: worker/default
                provider: {type: kubernetes, name: agents, namespace: baton, kubeconfig: "{{kubeconfig}}"}
                evaluationInterval: 1s
                triggers: [{type: QueueDepth, threshold: 100}]
                limits: {minReplicas: 4, maxReplicas: 10}
                """)).ShouldBeAsync(HttpStatusCode.OK);

            // The deployment has 2 replicas, the policy's minimum is 4: one PATCH to 4.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!_replicas.TryGetValue("baton/deployments/agents", out var n) || n != 4)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the deployment was not scaled");
                await Task.Delay(100);
            }
            var patch = Assert.Single(_requests, r => r.Method == "PATCH");
            Assert.Equal("""{"spec":{"replicas":4}}""", patch.Body);
            // The decision is recorded once the provider answered: it may land just after the PATCH was seen.
            IReadOnlyList<AutoscaleDecisionDto> decisions;
            while ((decisions = (await admin.GetAsync("/api/v1/system/autoscale/decisions").ReadAsync<ListResponse<AutoscaleDecisionDto>>()).Items).Count == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the scaling decision was not recorded");
                await Task.Delay(100);
            }
            var decision = Assert.Single(decisions);
            Assert.Equal("2 agents < minReplicas 4 → +2", decision.Explanation);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public void Policy_settings_are_checked_when_the_policy_is_read()
    {
        var read = ScalingPolicyReader.Read("provider: {type: kubernetes, name: a, kind: DaemonSet, replicaz: 2}\ntriggers: [{type: QueueDepth, threshold: 1}]\nlimits: {minReplicas: 1, maxReplicas: 2}");
        Assert.Contains(read.Errors, e => e.Field == "provider.kind");
        Assert.Contains(read.Errors, e => e.Field == "provider.replicaz");
    }
}
