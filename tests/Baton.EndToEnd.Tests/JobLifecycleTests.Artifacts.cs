using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

// Artifacts end to end: a real job saves files, the real agent uploads them, the API and the CLI hand them back.
public sealed partial class JobLifecycleTests
{
    [Fact]
    public async Task A_jobs_two_artifacts_download_byte_identical_through_the_api_and_the_cli_and_not_for_another_tenant()
    {
        var push = await CliRunner.RunAsync(Cluster.CliEnv(), "package", "push", Repo.Sample("report"));
        Assert.True(push.ExitCode == 0, push.ToString());
        var run = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "run", "report", "--input", "rows=2000", "--wait", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var job = JsonSerializer.Deserialize<JobDto>(run.Stdout, Cluster.Json)!;
        Assert.True(job.State == "succeeded", $"{job.State}: {job.Error}\n{await Cluster.LogsAsync(job.Id)}");

        // The bytes the job wrote, rebuilt here as report.py writes them.
        var csv = new System.Text.StringBuilder("row,value\r\n");
        for (var row = 0; row < 2000; row++)
            csv.Append(row).Append(',').Append(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(row.ToString(System.Globalization.CultureInfo.InvariantCulture))))).Append("\r\n");
        var expected = new Dictionary<string, byte[]>
        {
            ["chart.bin"] = [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)((i * 7 + 2000) % 256))],
            ["reports/report.csv"] = System.Text.Encoding.ASCII.GetBytes(csv.ToString()),
        };
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected["chart.bin"])), job.Result!.Value.GetProperty("chart_sha256").GetString());

        using var api = Cluster.Api();
        var listed = (await api.GetFromJsonAsync<ListResponse<ArtifactDto>>($"/api/v1/jobs/{job.Id}/artifacts", Cluster.Json))!;
        Assert.Equal(["chart.bin", "reports/report.csv"], listed.Items.Select(a => a.Name));
        foreach (var (name, bytes) in expected)
        {
            Assert.Equal(bytes, await api.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/artifacts/{name}"));
            var file = Path.Combine(Cluster.Root, "download-" + Guid.NewGuid().ToString("N"));
            var download = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "download", job.Id, name, "-o", file);
            Assert.True(download.ExitCode == 0, download.ToString());
            Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        }
        var cliList = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "artifacts", job.Id);
        Assert.True(cliList.ExitCode == 0, cliList.ToString());
        Assert.Contains("reports/report.csv", cliList.Stdout, StringComparison.Ordinal);
        Assert.Contains("[saved 2 artifacts]", await Cluster.LogsAsync(job.Id), StringComparison.Ordinal);

        // Another tenant, with its own admin key, finds neither the job's artifacts nor their content.
        var created = await api.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("artifacts-other"), Cluster.Json);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var otherKey = (await created.Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;
        using var other = Cluster.Api(otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/jobs/{job.Id}/artifacts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/jobs/{job.Id}/artifacts/chart.bin")).StatusCode);
        var otherCli = await CliRunner.RunAsync(Cluster.CliEnv(otherKey), "job", "download", job.Id, "chart.bin", "-o", Path.Combine(Cluster.Root, "stolen"));
        Assert.NotEqual(0, otherCli.ExitCode);
        Assert.False(File.Exists(Path.Combine(Cluster.Root, "stolen")));

        // The agent keeps the SDK's wheel for jobs that build their own venvs.
        var wheels = Directory.GetFiles(Path.Combine(Cluster.AgentData("e2e-agent"), "runtime", "wheels"), "baton_sdk-*-py3-none-any.whl");
        Assert.Single(wheels);
    }
}
