using k8s;
using k8s.Models;

namespace Baton.Server.Tests.Deploy;

/// <summary>
/// The Helm chart under deploy/helm/baton, rendered with its defaults and with the role-split overlay, every
/// manifest deserialised strictly into KubernetesClient's models (unknown or misspelt fields fail), then checked for
/// what the deployment relies on: probes, non-root read-only pods, PDBs, agent egress only to the API, the seed's
/// 14.2 scaling thresholds.
/// </summary>
public sealed class HelmChartTests
{
    private static readonly string Chart = Path.Combine(FindRoot(), "deploy", "helm", "baton");

    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["keda.sh/v1alpha1/ScaledObject"] = typeof(KedaScaledObject),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
    };

    private static List<object> Render(params string[] overlays)
    {
        var values = ChartRenderer.LoadValues([Path.Combine(Chart, "values.yaml"), .. overlays.Select(o => Path.Combine(Chart, o))]);
        var renderer = new ChartRenderer(values, "baton", "automation");
        var documents = Directory.GetFiles(Path.Combine(Chart, "templates"), "*.yaml").Order(StringComparer.Ordinal)
            .Select(file => renderer.Render(File.ReadAllText(file)))
            .Where(text => !string.IsNullOrWhiteSpace(text));
        return KubernetesYaml.LoadAllFromString(string.Join("\n---\n", documents), CustomKinds, strict: true);
    }

    private static T Single<T>(List<object> objects, string name) where T : IKubernetesObject<V1ObjectMeta> =>
        objects.OfType<T>().Single(o => o.Metadata.Name == name);

    [Fact]
    public void The_default_chart_renders_valid_manifests_for_every_concern()
    {
        var objects = Render();
        Assert.Equal(
            ["Deployment baton-agent", "Deployment baton-server", "HorizontalPodAutoscaler baton-server", "NetworkPolicy baton-agent", "NetworkPolicy baton-server",
             "PodDisruptionBudget baton-agent", "PodDisruptionBudget baton-server", "ScaledObject baton-agent", "Service baton", "ServiceMonitor baton"],
            objects.Cast<IKubernetesObject<V1ObjectMeta>>().Select(o => $"{o.Kind} {o.Metadata.Name}").Order(StringComparer.Ordinal));

        var server = Single<V1Deployment>(objects, "baton-server").Spec.Template.Spec;
        var container = server.Containers.Single();
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(10001, server.SecurityContext.RunAsUser);
        Assert.Equal(["/var/lib/baton", "/tmp"], container.VolumeMounts.Select(m => m.MountPath));
        Assert.Equal("all", container.Args[container.Args.IndexOf("--roles") + 1]);
        Assert.Equal("$(BATON_POSTGRES)", container.Args[container.Args.IndexOf("--postgres") + 1]);
        Assert.Equal("baton-postgres", container.Env.Single(e => e.Name == "BATON_POSTGRES").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("baton-master-keys", container.Env.Single(e => e.Name == "BATON_MASTER_KEYS").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("500m", container.Resources.Requests["cpu"].ToString());

        // Seed 14.2: API on 70 % CPU and 1,000 req/s per instance; agents on 100 queued jobs each.
        var hpa = Single<V2HorizontalPodAutoscaler>(objects, "baton-server").Spec;
        Assert.Equal(70, hpa.Metrics.Single(m => m.Type == "Resource").Resource.Target.AverageUtilization);
        Assert.Equal("1k", hpa.Metrics.Single(m => m.Type == "Pods").Pods.Target.AverageValue.ToString());
        var scaled = Single<KedaScaledObject>(objects, "baton-agent").Spec;
        Assert.Equal("baton-agent", scaled.ScaleTargetRef.Name);
        Assert.Equal("100", scaled.Triggers.Single().Metadata["threshold"]);
        Assert.Contains("orchestrator_job_queue_depth", scaled.Triggers.Single().Metadata["query"], StringComparison.Ordinal);

        // Agents: no ingress, egress only to the API pods on 8080 and to DNS.
        var agentPolicy = Single<V1NetworkPolicy>(objects, "baton-agent").Spec;
        Assert.Empty(agentPolicy.Ingress);
        Assert.Equal(["8080", "53", "53"], agentPolicy.Egress.SelectMany(e => e.Ports).Select(p => p.Port.Value));
        Assert.Equal("true", agentPolicy.Egress[0].To.Single().PodSelector.MatchLabels["baton.dev/serves-api"]);
        var agent = Single<V1Deployment>(objects, "baton-agent").Spec.Template.Spec;
        Assert.Equal("http://baton:8080", agent.Containers.Single().Args[1]);
        Assert.Equal("baton-enrollment", agent.Containers.Single().Env.Single(e => e.Name == "BATON_ENROLLMENT_TOKEN").ValueFrom.SecretKeyRef.Name);
        Assert.Equal(1, Single<V1PodDisruptionBudget>(objects, "baton-server").Spec.MinAvailable.Value is { } min ? int.Parse(min, System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [Fact]
    public void The_role_split_overlay_separates_api_pods_from_the_background_roles()
    {
        var objects = Render("values-split-roles.yaml");
        var api = Single<V1Deployment>(objects, "baton-server");
        var workers = Single<V1Deployment>(objects, "baton-workers");
        Assert.Equal(3, api.Spec.Replicas);
        Assert.Equal(2, workers.Spec.Replicas);
        var apiArgs = api.Spec.Template.Spec.Containers.Single().Args;
        var workerArgs = workers.Spec.Template.Spec.Containers.Single().Args;
        Assert.Equal("api", apiArgs[apiArgs.IndexOf("--roles") + 1]);
        Assert.Equal("scheduler,notifier,janitor,autoscaler", workerArgs[workerArgs.IndexOf("--roles") + 1]);
        // Only API pods sit behind the Service; the workers get their own PDB.
        Assert.False(workers.Spec.Template.Metadata.Labels.ContainsKey("baton.dev/serves-api"));
        Assert.Equal("true", Single<V1Service>(objects, "baton").Spec.Selector["baton.dev/serves-api"]);
        Assert.NotNull(Single<V1PodDisruptionBudget>(objects, "baton-workers"));
    }

    [Fact]
    public void Strict_validation_refuses_a_misspelt_field()
    {
        var text = File.ReadAllText(Path.Combine(Chart, "templates", "server.yaml")).Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal);
        var renderer = new ChartRenderer(ChartRenderer.LoadValues(Path.Combine(Chart, "values.yaml")), "baton", "automation");
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(renderer.Render(text), CustomKinds, strict: true));
    }

    [Fact]
    public void The_renderer_refuses_what_it_does_not_implement_and_undefined_values()
    {
        var renderer = new ChartRenderer(ChartRenderer.LoadValues(Path.Combine(Chart, "values.yaml")), "baton", "automation");
        Assert.Throws<FormatException>(() => renderer.Render("x: {{ include \"baton.labels\" . }}"));
        Assert.Throws<FormatException>(() => renderer.Render("x: {{ .Values.server.nope }}"));
        Assert.Equal("a\n  b: c", renderer.Render("a\n{{- if .Values.server.replicas }}\n  b: c\n{{- else }}\n  b: d\n{{- end }}"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Baton.slnx).");
    }
}
