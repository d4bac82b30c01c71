using System.Collections;
using System.Globalization;

namespace Baton.Agent.Python;

/// <summary>The files through which the runner and the job exchange inputs, result and progress.</summary>
internal sealed record JobFiles(string InputsFile, string ResultFile, string ControlFile)
{
    public static JobFiles In(string workDirectory)
    {
        var folder = Path.Combine(workDirectory, ".baton");
        return new JobFiles(Path.Combine(folder, "inputs.json"), Path.Combine(folder, "result.json"), Path.Combine(folder, "control.jsonl"));
    }
}

/// <summary>
/// A job's environment: the agent's own (read once) plus the BATON_* variables and PYTHONPATH.
/// Cold and warm jobs get the very same variables.
/// </summary>
internal static class JobEnvironment
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> AgentEnvironment = new(ReadAgentEnvironment);

    public static Dictionary<string, string> For(PythonJobSpec spec, JobFiles files)
    {
        var env = new Dictionary<string, string>(AgentEnvironment.Value, StringComparer.Ordinal)
        {
            ["PYTHONPATH"] = spec.RuntimeDirectory + Path.PathSeparator + spec.PackageDirectory,
            ["PYTHONUNBUFFERED"] = "1",
            ["BATON_JOB_ID"] = spec.JobId,
            ["BATON_ATTEMPT"] = spec.Attempt.ToString(CultureInfo.InvariantCulture),
            ["BATON_ENTRYPOINT"] = spec.Entrypoint,
            ["BATON_PACKAGE_DIR"] = spec.PackageDirectory,
            ["BATON_INPUTS_FILE"] = files.InputsFile,
            ["BATON_RESULT_FILE"] = files.ResultFile,
            ["BATON_CONTROL_FILE"] = files.ControlFile,
            ["BATON_ARTIFACTS"] = Jobs.ArtifactUploader.FolderIn(spec.WorkDirectory),
            ["BATON_SDK_WHEEL"] = Path.Combine(SdkWheel.FolderIn(spec.RuntimeDirectory), SdkWheel.FileName),
            ["BATON_AGENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        env.Remove("PYTHONHOME");
        foreach (var (name, value) in spec.Environment ?? new Dictionary<string, string>())
            env[name] = value;
        return env;
    }

    /// <summary>The agent's environment for a process it starts itself (a warm interpreter).</summary>
    public static Dictionary<string, string> Agent() => new(AgentEnvironment.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> ReadAgentEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
                env[name] = value;
        }

        return env;
    }
}
