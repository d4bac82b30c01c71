using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Agent.Python.Warm;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>
/// Runs one attempt in its own process group: forked from a warm interpreter (see
/// <see cref="WarmInterpreterPool"/>) unless the package asks for <c>isolation: fresh</c>, there is no
/// pool, or the warm start fails, else as <c>python -s -u -m baton._runner</c>. Streams stdout/stderr
/// into the <see cref="JobLog"/>, tails the control file (progress, heartbeats, asset and checkpoint requests), enforces the timeout and stop
/// requests (SIGTERM to the group, SIGKILL after the grace period) and maps the exit to an outcome
/// with the result file's JSON.
/// </summary>
public sealed class PythonJobRunner(TimeProvider timeProvider, TimeSpan terminateGrace, ILogger logger, WarmInterpreterPool? warm = null)
{
    private readonly ByteCodeCache _byteCode = new(logger);

    public const int MaxResultBytes = 1024 * 1024;
    private static readonly TimeSpan ProgressPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(5);

    public async Task<PythonJobResult> RunAsync(PythonJobSpec spec, JobLog log, JobControl control)
    {
        var files = JobFiles.In(spec.WorkDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(files.InputsFile)!);
        Directory.CreateDirectory(Jobs.ArtifactUploader.FolderIn(spec.WorkDirectory));
        await File.WriteAllTextAsync(files.InputsFile, spec.Inputs.ValueKind == JsonValueKind.Object ? spec.Inputs.GetRawText() : "{}");
        await File.WriteAllBytesAsync(files.ControlFile, []);
        await Task.WhenAll(_byteCode.EnsureAsync(spec.PythonPath, Path.Combine(spec.RuntimeDirectory, "baton")), _byteCode.EnsureAsync(spec.PythonPath, spec.PackageDirectory));

        using var process = await StartAsync(spec, JobEnvironment.For(spec, files), log, control.Stopping);
        if (spec.Started is { } started)
            await LetRunAsync(process, started, control);
        logger.LogDebug("Started Python process {Pid} ({Kind}) for {Entrypoint}", process.Pid, process.Kind, spec.Entrypoint);
        var stdout = PumpAsync(process.Stdout, "stdout", log);
        var stderr = PumpAsync(process.Stderr, "stderr", log);
        using var progressStop = new CancellationTokenSource();
        await using var controlFile = new ControlFileReader(files.ControlFile, control, logger);
        var progress = TailControlFileAsync(controlFile, progressStop.Token);

        var exited = process.Exited;
        var stopped = Task.Delay(Timeout.Infinite, control.Stopping);
        var timedOut = spec.Timeout is { } limit && limit > TimeSpan.Zero
            ? Task.Delay(limit, timeProvider)
            : Task.Delay(Timeout.Infinite, control.Stopping);
        var first = await Task.WhenAny(exited, stopped, timedOut);

        var timeoutHit = first == timedOut && !exited.IsCompleted && control.StopReason == JobStopReason.None;
        if (first != exited)
        {
            if (control.StopReason == JobStopReason.Abandon)
                process.Signal(NativeMethods.SigKill);
            else
                await ProcessGroup.TerminateAsync(process, terminateGrace, timeProvider);
        }

        var exitCode = await exited;
        // Whatever the job left running in its group (background children) ends with it.
        process.EndGroup();
        await DrainAsync(Task.WhenAll(stdout, stderr));
        await progressStop.CancelAsync();
        await progress;

        logger.LogDebug("Python process {Pid} exited with code {ExitCode}", process.Pid, exitCode);
        if (timeoutHit)
            return new PythonJobResult(JobOutcome.TimedOut, exitCode, null, $"The job timed out after {spec.Timeout!.Value.TotalSeconds:0.###} s.");
        if (control.StopReason != JobStopReason.None)
            return new PythonJobResult(JobOutcome.Cancelled, exitCode, null, control.StopReason == JobStopReason.Cancel ? "The job was cancelled." : $"The job was stopped ({control.StopReason}).");
        if (process.LostReason is { } lost)
            return new PythonJobResult(JobOutcome.Failed, exitCode, null, lost);
        if (exitCode != 0)
        {
            var tail = log.Tail("stderr");
            return new PythonJobResult(JobOutcome.Failed, exitCode, null,
                string.IsNullOrWhiteSpace(tail) ? $"The Python process exited with code {exitCode}." : tail);
        }

        return ReadResult(files.ResultFile, exitCode);
    }

    private async Task<JobProcess> StartAsync(PythonJobSpec spec, Dictionary<string, string> environment, JobLog log, CancellationToken stopping)
    {
        if (spec.Isolation == JobIsolation.Warm && warm is not null)
        {
            try
            {
                var started = await warm.StartJobAsync(spec, environment, stopping);
                if (started.Note is { } note)
                    log.Append("setup", note);
                if (started.Process is { } forked)
                    return forked;
                log.Append("setup", $"Starting a new interpreter: the warm one is unavailable ({started.ColdReason}).");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopped while forking: start nothing warm; the cold process below sees the stop at once.
            }
        }

        // A new interpreter cannot wait, ready, for the start's record: it starts once that is in.
        if (spec.Started is { } recorded)
            await recorded;
        return await ColdJobProcess.StartAsync(spec.PythonPath, spec.WorkDirectory, environment);
    }

    /// <summary>
    /// The job waits, ready, while the server records its start: it runs once that is in, unless it was stopped meanwhile
    /// (then the stop ends it, unrun). When the start fails, the job is killed unrun and the failure is thrown.
    /// </summary>
    private async Task LetRunAsync(JobProcess process, Task started, JobControl control)
    {
        try
        {
            await started;
        }
        catch
        {
            process.Signal(NativeMethods.SigKill);
            try
            {
                await process.Exited.WaitAsync(OutputDrainLimit, timeProvider);
            }
            catch (TimeoutException)
            {
                logger.LogWarning("Python process {Pid} did not end within {Seconds} s of being killed", process.Pid, OutputDrainLimit.TotalSeconds);
            }

            throw;
        }

        if (!control.Stopping.IsCancellationRequested)
            await process.ReleaseAsync();
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

    private static async Task PumpAsync(Task<TextReader?> opening, string stream, JobLog log)
    {
        try
        {
            if (await opening is not { } reader)
                return;
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

    /// <summary>Polls the control file for progress, heartbeats and requests until stopped, then reads it one last time.</summary>
    private async Task TailControlFileAsync(ControlFileReader reader, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(ProgressPollInterval, timeProvider, stop);
            }
            catch (OperationCanceledException)
            {
                reader.ReadNew();
                return;
            }

            reader.ReadNew();
        }
    }
}
