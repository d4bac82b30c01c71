using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Packages;

namespace Baton.Agent.Python;

/// <summary>
/// Everything needed to run one attempt's Python process. <see cref="Isolation"/>: fork it from a
/// warm interpreter (the default) or start a new one; <see cref="Preload"/>: the package's
/// <c>preload:</c> modules, imported once into a warm interpreter kept for this package version. <see cref="Environment"/>:
/// variables added for this job (its channel to the agent).
/// </summary>
public sealed record PythonJobSpec(
    string JobId,
    int Attempt,
    string PythonPath,
    string RuntimeDirectory,
    string PackageDirectory,
    string WorkDirectory,
    string Entrypoint,
    JsonElement Inputs,
    TimeSpan? Timeout,
    JobIsolation Isolation = JobIsolation.Warm,
    IReadOnlyList<string>? Preload = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// How the process ended, in the terms of CompleteJobRequest. <see cref="NoRetry"/>: the failure would repeat
/// on every attempt (the package cannot be extracted), so the server ends the job instead of retrying it.
/// </summary>
public sealed record PythonJobResult(JobOutcome Outcome, int? ExitCode, JsonElement? Result, string? Error)
{
    public bool NoRetry { get; init; }
}
