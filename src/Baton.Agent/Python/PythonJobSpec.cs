using System.Text.Json;
using Baton.Core.Jobs;

namespace Baton.Agent.Python;

/// <summary>Everything needed to run one attempt's Python process.</summary>
public sealed record PythonJobSpec(
    string JobId,
    int Attempt,
    string PythonPath,
    string RuntimeDirectory,
    string PackageDirectory,
    string WorkDirectory,
    string Entrypoint,
    JsonElement Inputs,
    TimeSpan? Timeout);

/// <summary>
/// How the process ended, in the terms of CompleteJobRequest. <see cref="NoRetry"/>: the failure would repeat
/// on every attempt (the package cannot be extracted), so the server ends the job instead of retrying it.
/// </summary>
public sealed record PythonJobResult(JobOutcome Outcome, int? ExitCode, JsonElement? Result, string? Error)
{
    public bool NoRetry { get; init; }
}
