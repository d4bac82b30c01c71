using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A client generated from the OpenAPI document a real <c>baton server</c> serves works: openapi-typescript makes the
/// types, TypeScript (strict) compiles tests/openapi-client/client.ts against them, and Node runs it — it uploads a
/// package as a multipart form, submits a job with <c>POST /api/v1/jobs</c>, reads it and lists it, and reads a
/// missing job's problem details. The npm tools are pinned in tests/openapi-client/package-lock.json and installed by
/// scripts/test-openapi-client.sh (test.sh runs it); without them the test fails and says so.
/// </summary>
public sealed class OpenApiClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);
    private readonly Cluster _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_client_generated_from_the_served_document_uploads_a_package_submits_a_job_and_reads_it()
    {
        var tools = FindTools();
        await _cluster.StartServerAsync();
        using var admin = _cluster.Api();
        var tenantResponse = await admin.PostAsJsonAsync("/api/v1/tenants", new { name = "openapi-" + Guid.NewGuid().ToString("N")[..8], tier = "enterprise" });
        tenantResponse.EnsureSuccessStatusCode();
        var tenantKey = (await tenantResponse.Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;

        // The client's sources beside the pinned tools: node resolves openapi-fetch and tsc finds the types through the link.
        var work = Path.Combine(_cluster.Root, "openapi-client");
        Directory.CreateDirectory(work);
        var sources = Path.Combine(Repo.Root, "tests", "openapi-client");
        foreach (var file in new[] { "package.json", "tsconfig.json", "generate.mjs", "client.ts" }) File.Copy(Path.Combine(sources, file), Path.Combine(work, file));
        Directory.CreateSymbolicLink(Path.Combine(work, "node_modules"), Path.Combine(tools, "node_modules"));
        var zip = Path.Combine(_cluster.Root, "hello.zip");
        ZipFile.CreateFromDirectory(Repo.Sample("hello"), zip);

        await RunAsync(work, "generate the types", "generate.mjs", $"{_cluster.Url}/openapi/v1.json", "schema.d.ts");
        Assert.Contains("\"/api/v1/jobs\"", await File.ReadAllTextAsync(Path.Combine(work, "schema.d.ts")), StringComparison.Ordinal);
        await RunAsync(work, "compile the client", Path.Combine("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json");
        var printed = await RunAsync(work, "run the client", Path.Combine("out", "client.js"), _cluster.Url, tenantKey, zip);

        using var seen = JsonDocument.Parse(printed.Trim().Split('\n')[^1]);
        var result = seen.RootElement;
        Assert.Equal(201, result.GetProperty("uploadStatus").GetInt32());
        Assert.Equal(("hello", "1.0.0"), (result.GetProperty("packageName").GetString(), result.GetProperty("packageVersion").GetString()));
        Assert.Equal(201, result.GetProperty("submitStatus").GetInt32());
        var jobId = result.GetProperty("jobId").GetString()!;
        Assert.Equal(jobId, result.GetProperty("fetchedId").GetString());
        Assert.Equal(("pending", 3), (result.GetProperty("submittedState").GetString(), result.GetProperty("submittedPriority").GetInt32()));
        Assert.Equal("generated client", result.GetProperty("fetchedInputs").GetProperty("name").GetString());
        Assert.Contains(jobId, result.GetProperty("listedIds").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(404, result.GetProperty("missingStatus").GetInt32());
        Assert.Equal(ProblemTypes.NotFound, result.GetProperty("missingType").GetString());

        // What the client did is what the server holds, in the client's tenant only.
        using var tenant = _cluster.Api(tenantKey);
        var job = (await tenant.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}", Cluster.Json))!;
        Assert.Equal(("hello", "1.0.0", 3), (job.Package, job.Version, job.Priority));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/jobs/{jobId}")).StatusCode);
    }

    /// <summary>The installed tools; missing ones fail the test (CI installs them with scripts/test-openapi-client.sh).</summary>
    private static string FindTools()
    {
        var configured = Environment.GetEnvironmentVariable("BATON_TEST_OPENAPI_CLIENT");
        var folder = string.IsNullOrEmpty(configured) ? Path.Combine(Repo.Root, ".build", "openapi-client") : configured;
        string[] needed = ["openapi-typescript", "openapi-fetch", "typescript", Path.Combine("@types", "node")];
        var missing = needed.Where(package => !File.Exists(Path.Combine(folder, "node_modules", package, "package.json"))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The OpenAPI client tools ({string.Join(", ", missing)}) are not installed in {folder}, so the generated-client test cannot run. " +
                "Install them with `scripts/test-openapi-client.sh install` (pinned versions from npm; needs node and npm).");
        }
        return folder;
    }

    /// <summary>Runs <c>node SCRIPT ARGS</c> in <paramref name="directory"/>; a failure or a hang fails the test with its output.</summary>
    private async Task<string> RunAsync(string directory, string step, string script, params string[] args)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["NO_COLOR"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{step}: node {script} did not finish within {StepTimeout.TotalSeconds:0} s.\n{await stdout}\n{await stderr}");
        }
        var (text, errors) = (await stdout, await stderr);
        output.WriteLine($"{step}: exit {process.ExitCode} in {clock.Elapsed.TotalSeconds:0.0} s\n{text}{errors}");
        Assert.True(process.ExitCode == 0, $"{step}: node {script} exited with {process.ExitCode}.\nstdout:\n{text}\nstderr:\n{errors}");
        return text;
    }
}
