using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Agent.Jobs;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>
/// Reads what a job writes to its control file, one JSON object a line: progress (<c>{"percent", "message"}</c>, the
/// latest kept), heartbeats (<c>{"heartbeat": true}</c>) and requests (<c>{"request": id, "op": …}</c>), each answered in
/// its own file <c>replies/&lt;id&gt;.json</c> next to the control file (readable by the job's user only), which the
/// job's <c>baton</c> module waits for.
/// </summary>
internal sealed class ControlFileReader(string controlFile, JobControl control, ILogger logger) : IAsyncDisposable
{
    private const int MaxRequestIdLength = 64;
    private readonly string _replies = Path.Combine(Path.GetDirectoryName(controlFile)!, "replies");
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _answering = [];
    private long _offset;

    /// <summary>Reads the lines written since the last call (complete lines only).</summary>
    public void ReadNew()
    {
        string[] lines;
        try
        {
            using var stream = new FileStream(controlFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= _offset)
                return;
            stream.Position = _offset;
            var buffer = new byte[stream.Length - _offset];
            stream.ReadExactly(buffer);
            var lastNewline = Array.LastIndexOf(buffer, (byte)'\n');
            if (lastNewline < 0)
                return;
            _offset += lastNewline + 1;
            lines = Encoding.UTF8.GetString(buffer, 0, lastNewline).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return;
        }

        JobProgressReport? progress = null;
        foreach (var line in lines)
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    continue;
                if (root.TryGetProperty("request", out var id))
                    Answer(id.ValueKind == JsonValueKind.String ? id.GetString()! : "", root.Clone());
                else if (root.TryGetProperty("heartbeat", out _))
                    control.RequestHeartbeat();
                else
                    progress = root.Deserialize<JobProgressReport>(AgentJson.Options) ?? progress;
            }
            catch (JsonException)
            {
            }
        }

        if (progress is not null)
            control.Progress = progress;
    }

    /// <summary>Stops answering: the job has ended, nobody waits for the replies any more.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_answering);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private void Answer(string id, JsonElement request)
    {
        // The id names a file: nothing but letters, digits, '-' and '_' may reach the path.
        if (id.Length is 0 or > MaxRequestIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            logger.LogWarning("Ignoring a job request with an invalid id");
            return;
        }
        var operation = request.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String ? op.GetString()! : "";
        _answering.Add(Task.Run(async () =>
        {
            try
            {
                var reply = control.Requests is { } requests
                    ? await requests.HandleAsync(operation, request, _stop.Token)
                    : new JsonObject { ["ok"] = false, ["error"] = "This job runs without a Baton server to ask." };
                Write(id, reply);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The job ended while its request was on the way: nobody waits for the answer.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not answer the job's {Operation} request: {Reason}", operation, ex.Message);
            }
        }));
    }

    private void Write(string id, JsonObject reply)
    {
        Directory.CreateDirectory(_replies);
        var target = Path.Combine(_replies, id + ".json");
        var temp = target + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
            stream.Write(Encoding.UTF8.GetBytes(reply.ToJsonString()));
        File.Move(temp, target, overwrite: true);
    }
}
