using System.Diagnostics;
using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>
/// Runs one attempt as <c>python -u -m baton._runner</c> in its own process group: streams
/// stdout/stderr into the <see cref="JobLog"/>, tails the control file for progress, enforces the
/// timeout and stop requests (SIGTERM to the group, SIGKILL after the grace period) and maps the
/// exit to an outcome with the result file's JSON.
/// </summary>
public sealed class PythonJobRunner(TimeProvider timeProvider, TimeSpan terminateGrace, ILogger logger)
{
    public const int MaxResultBytes = 1024 * 1024;
    private static readonly TimeSpan ProgressPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(5);

    public async Task<PythonJobResult> RunAsync(PythonJobSpec spec, JobLog log, JobControl control)
    {
        var files = Path.Combine(spec.WorkDirectory, ".baton");
        Directory.CreateDirectory(files);
        var inputsFile = Path.Combine(files, "inputs.json");
        var resultFile = Path.Combine(files, "result.json");
        var controlFile = Path.Combine(files, "control.jsonl");
        await File.WriteAllTextAsync(inputsFile, spec.Inputs.ValueKind == JsonValueKind.Object ? spec.Inputs.GetRawText() : "{}");
        await File.WriteAllTextAsync(controlFile, "");

        var info = new ProcessStartInfo(spec.PythonPath)
        {
            WorkingDirectory = spec.WorkDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-u", "-m", "baton._runner" })
            info.ArgumentList.Add(argument);
        var env = info.Environment;
        env["PYTHONPATH"] = spec.RuntimeDirectory + Path.PathSeparator + spec.PackageDirectory;
        env["PYTHONUNBUFFERED"] = "1";
        env["BATON_JOB_ID"] = spec.JobId;
        env["BATON_ATTEMPT"] = spec.Attempt.ToString();
        env["BATON_ENTRYPOINT"] = spec.Entrypoint;
        env["BATON_PACKAGE_DIR"] = spec.PackageDirectory;
        env["BATON_INPUTS_FILE"] = inputsFile;
        env["BATON_RESULT_FILE"] = resultFile;
        env["BATON_CONTROL_FILE"] = controlFile;
        env["BATON_AGENT_PID"] = Environment.ProcessId.ToString();
        env.Remove("PYTHONHOME");

        using var process = await ProcessLauncher.StartAsync(info);
        logger.LogInformation("Started Python process {Pid} for {Entrypoint}", process.Id, spec.Entrypoint);
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, "stdout", log);
        var stderr = PumpAsync(process.StandardError, "stderr", log);
        using var progressStop = new CancellationTokenSource();
        var progress = TailProgressAsync(controlFile, control, progressStop.Token);

        var exited = process.WaitForExitAsync();
        var stopped = Task.Delay(Timeout.Infinite, control.Stopping);
        var timedOut = spec.Timeout is { } limit && limit > TimeSpan.Zero
            ? Task.Delay(limit, timeProvider)
            : Task.Delay(Timeout.Infinite, control.Stopping);
        var first = await Task.WhenAny(exited, stopped, timedOut);

        var timeoutHit = first == timedOut && !exited.IsCompleted && control.StopReason == JobStopReason.None;
        if (first != exited)
        {
            if (control.StopReason == JobStopReason.Abandon)
                ProcessGroup.Kill(process);
            else
                await ProcessGroup.TerminateAsync(process, terminateGrace, timeProvider);
        }

        await exited;
        // Whatever the job left running in its group (background children) ends with it.
        ProcessGroup.Kill(process);
        await DrainAsync(Task.WhenAll(stdout, stderr));
        await progressStop.CancelAsync();
        await progress;

        var exitCode = process.ExitCode;
        logger.LogInformation("Python process {Pid} exited with code {ExitCode}", process.Id, exitCode);
        if (timeoutHit)
            return new PythonJobResult(JobOutcome.TimedOut, exitCode, null, $"The job timed out after {spec.Timeout!.Value.TotalSeconds:0.###} s.");
        if (control.StopReason != JobStopReason.None)
            return new PythonJobResult(JobOutcome.Cancelled, exitCode, null, control.StopReason == JobStopReason.Cancel ? "The job was cancelled." : $"The job was stopped ({control.StopReason}).");
        if (exitCode != 0)
        {
            var tail = log.Tail("stderr");
            return new PythonJobResult(JobOutcome.Failed, exitCode, null,
                string.IsNullOrWhiteSpace(tail) ? $"The Python process exited with code {exitCode}." : tail);
        }

        return ReadResult(resultFile, exitCode);
    }

    private static PythonJobResult ReadResult(string resultFile, int exitCode)
    {
        if (!File.Exists(resultFile))
            return new PythonJobResult(JobOutcome.Succeeded, exitCode, null, null);
        var length = new FileInfo(resultFile).Length;
        if (length > MaxResultBytes)
            return new PythonJobResult(JobOutcome.Failed, exitCode, null, $"The job's result is {length} bytes; the limit is {MaxResultBytes} bytes (1 MiB).");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(resultFile));
            return new PythonJobResult(JobOutcome.Succeeded, exitCode, document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return new PythonJobResult(JobOutcome.Failed, exitCode, null, $"The job's result is not valid JSON: {ex.Message}");
        }
    }

    private static async Task PumpAsync(StreamReader reader, string stream, JobLog log)
    {
        try
        {
            // Bounded chunks, not ReadLine: a line without end must not grow the agent's memory.
            var lines = new BoundedLineReader(reader, JobLog.MaxLineChars);
            while (await lines.ReadLineAsync() is { } line)
            {
                // While the server cannot take the lines, the job's writes block instead of the agent's memory growing.
                await log.WaitForRoomAsync();
                log.Append(stream, line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us after the process group was killed.
        }
    }

    private async Task DrainAsync(Task readers)
    {
        try
        {
            await readers.WaitAsync(OutputDrainLimit, timeProvider);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Output pipes stayed open {Seconds} s after the job exited; a detached child still holds them", OutputDrainLimit.TotalSeconds);
        }
    }

    /// <summary>Polls the control file for progress lines until stopped, then reads it one last time.</summary>
    private async Task TailProgressAsync(string controlFile, JobControl control, CancellationToken stop)
    {
        long offset = 0;
        while (true)
        {
            try
            {
                await Task.Delay(ProgressPollInterval, timeProvider, stop);
            }
            catch (OperationCanceledException)
            {
                ReadProgress(controlFile, control, ref offset);
                return;
            }

            ReadProgress(controlFile, control, ref offset);
        }
    }

    /// <summary>Reads complete JSON lines after <paramref name="offset"/> and keeps the latest progress.</summary>
    private static void ReadProgress(string controlFile, JobControl control, ref long offset)
    {
        try
        {
            using var stream = new FileStream(controlFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= offset)
                return;
            stream.Position = offset;
            var buffer = new byte[stream.Length - offset];
            stream.ReadExactly(buffer);
            var lastNewline = Array.LastIndexOf(buffer, (byte)'\n');
            if (lastNewline < 0)
                return;
            offset += lastNewline + 1;
            var lines = System.Text.Encoding.UTF8.GetString(buffer, 0, lastNewline).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (var i = lines.Length - 1; i >= 0; i--)
            {
                try
                {
                    var report = JsonSerializer.Deserialize<JobProgressReport>(lines[i], AgentJson.Options);
                    if (report is not null)
                    {
                        control.Progress = report;
                        return;
                    }
                }
                catch (JsonException)
                {
                }
            }
        }
        catch (IOException)
        {
        }
    }
}
