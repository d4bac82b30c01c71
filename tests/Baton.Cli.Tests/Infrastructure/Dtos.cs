using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Core.Packages;
using Baton.Core.Tenancy;

namespace Baton.Cli.Tests.Infrastructure;

/// <summary>Plausible API objects for fake server answers.</summary>
public static class Dtos
{
    public static readonly DateTimeOffset At = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static JobDto Job(string id, string state, string? result = null, string? error = null, int? exitCode = null) => new(
        Id: id, Package: "hello", Version: "1.0.0", State: state, Attempt: 1, MaxAttempts: 1, Priority: 0, TimeoutSeconds: 60,
        Requirements: [], Inputs: JsonSerializer.SerializeToElement(new { name = "Ada" }), AgentId: state == "pending" ? null : "agent-1",
        SubmittedAt: At, AssignedAt: null, StartedAt: null, FinishedAt: null, NotBefore: null,
        Result: result is null ? null : JsonDocument.Parse(result).RootElement.Clone(),
        Error: error, ExitCode: exitCode, CancelRequested: false, Progress: null);

    public static LogLineDto Log(long seq, string text) => new(seq, 1, At, "stdout", text);

    public static PackageVersionDto Package(string name = "hello", string version = "1.0.0") => new(
        name, version, new string('a', 64), 1234,
        new PackageManifest { Name = name, Version = version, Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" } },
        At);

    public static TenantDto Tenant(string id, string name) => new(
        id, name, "standard", TenantQuotas.ForTier(Tier.Standard), QuotaOverrides.None, At,
        new TenantUsageDto(1, 2, 3, 4096, 10));

    public static ApiKeyDto Key(string id, string name, string role = "operator") => new(id, name, role, false, At, null, null);

    public static AgentDto Agent(string id, string name) => new(
        id, name, "online", "linux", "x64", [new PythonInterpreterInfo("3.12.1", "/usr/bin/python3")],
        new Dictionary<string, string> { ["gpu"] = "none" }, 4, 1, new AgentResources(8, 16_000, 100_000), "0.1.0", At, At);
}
