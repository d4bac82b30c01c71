using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Packages;

namespace Baton.Agent.Python;

/// <summary>
/// Everything needed to run one attempt's Python process. <see cref="Isolation"/>: fork it from a
/// warm interpreter (the default) or start a new one; <see cref="Preload"/>: the package's
/// <c>preload:</c> modules, imported once into a warm interpreter kept for this package version. <see cref="Environment"/>:
/// variables added for this job (its channel to the agent). <see cref="Started"/>: the server's record of the attempt's
/// start, still in flight; the job's own code runs only once it has succeeded (a forked job is made ready meanwhile and
/// waits), and a job whose start fails is killed unrun. Null: recorded already.
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
    IReadOnlyDictionary<string, string>? Environment = null,
    Task? Started = null);

/// <summary>
/// How the process ended, in the terms of CompleteJobRequest. <see cref="NoRetry"/>: the failure would repeat
/// on every attempt (the package cannot be extracted), so the server ends the job instead of retrying it.
/// </summary>
public sealed record PythonJobResult(JobOutcome Outcome, int? ExitCode, JsonElement? Result, string? Error)
{
    public bool NoRetry { get; init; }
}
