using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Baton.Agent.Protocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>
/// A running job's way to the server (work items, child jobs, assets, checkpoints, heartbeats): one Unix socket the
/// agent listens on (an abstract name on Linux), where a job sends one JSON line per request — its random token, the
/// call (<c>workitems/claim</c>, …) and a body — and reads one JSON line back: the server's status and body. The agent
/// adds the job id and attempt and its own credential, so a job holds no secret of the server's, can act only as
/// itself, and only while its attempt runs. <c>request</c> (assets, checkpoints) and <c>heartbeat</c> are answered by
/// the agent itself, as the control file's requests are where there are no Unix sockets.
/// While a job holds work items the agent renews their leases every third of the lease; when the job ends it releases
/// the items it still holds (they go back to their queue).
/// </summary>
internal sealed partial class JobChannel : IDisposable
{
    /// <summary>A request line's limit: a batch of items to add is one line.</summary>
    private const int MaxRequestChars = 32 * 1024 * 1024;

    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, JobChannelSession> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _socketFile;

    private JobChannel(Socket listener, string address, string? socketFile, AgentProtocolClient client, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        Address = address;
        _socketFile = socketFile;
        Client = client;
        Time = time;
        Logger = logger;
        _ = AcceptLoopAsync();
    }

    /// <summary>The address as the job finds it in <c>BATON_CHANNEL</c>: <c>@name</c> for an abstract socket, else a path.</summary>
    public string Address { get; }

    internal AgentProtocolClient Client { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }

    /// <summary>Listens on a new socket; null where Unix sockets are not available (jobs then have no channel).</summary>
    public static JobChannel? TryStart(AgentProtocolClient client, TimeProvider time, ILogger logger)
    {
        if (!Socket.OSSupportsUnixDomainSockets) return null;
        var name = "baton-channel-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string bind, address;
        string? file = null;
        if (OperatingSystem.IsLinux())
        {
            bind = "\0" + name;
            address = "@" + name;
        }
        else
        {
            file = Path.Combine(Path.GetTempPath(), name + ".sock");
            bind = address = file;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(bind));
            socket.Listen(512);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            logger.LogWarning("Jobs get no channel to the server (work items, child jobs): {Reason}", ex.Message);
            return null;
        }
        return new JobChannel(socket, address, file, client, time, logger);
    }

    /// <summary>Opens the channel of one job attempt; disposing it closes the channel and releases the job's items.</summary>
    public JobChannelSession Open(string jobId, int attempt, JobControl? control = null)
    {
        while (true)
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var session = new JobChannelSession(this, token, jobId, attempt, control);
            if (_sessions.TryAdd(token, session)) return session;
        }
    }

    internal void Forget(string token) => _sessions.TryRemove(token, out _);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                Logger.LogWarning("Accepting a job's channel connection failed: {Reason}", ex.Message);
                continue;
            }
            _ = ServeAsync(connection);
        }
    }

    /// <summary>One connection: request lines answered in order until the job closes it.</summary>
    private async Task ServeAsync(Socket connection)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var lines = new BoundedLineReader(reader, MaxRequestChars);
        try
        {
            while (await lines.ReadLineAsync(_stop.Token) is { } line)
            {
                var answer = await AnswerAsync(line);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The job went away (or the agent is stopping): nothing to answer.
        }
    }

    private async Task<string> AnswerAsync(string line)
    {
        JsonObject request;
        try
        {
            request = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            return Refusal(400, $"The request is not a JSON object: {ex.Message}");
        }
        var token = (request["token"] as JsonValue)?.TryGetValue<string>(out var t) == true ? t : null;
        if (token is null || !_sessions.TryGetValue(token, out var session)) return Refusal(403, "This job's channel is closed (unknown token).");
        var call = (request["call"] as JsonValue)?.TryGetValue<string>(out var c) == true ? c : null;
        if (call is null || !AllowedCall().IsMatch(call)) return Refusal(400, $"'{call}' is not a call a job may make.");
        var body = request["body"] as JsonObject ?? new JsonObject();
        return await session.CallAsync(call, body);
    }

    internal static string Refusal(int status, string detail) =>
        new JsonObject { ["status"] = status, ["body"] = new JsonObject { ["title"] = "Refused by the agent", ["detail"] = detail } }.ToJsonString();

    [GeneratedRegex(@"^(workitems/(claim|add)|workitems/[A-Za-z0-9_.\-]{1,100}/complete|children|children/[A-Za-z0-9_.\-]{1,100}/wait|request|heartbeat)$", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedCall();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        if (_socketFile is not null)
        {
            try
            {
                File.Delete(_socketFile);
            }
            catch (IOException)
            {
            }
        }
        _stop.Dispose();
    }
}

/// <summary>One job attempt's channel: its token, the calls it relays, and the renewal of the work items it holds.</summary>
internal sealed class JobChannelSession : IAsyncDisposable
{
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(30);

    private readonly JobChannel _channel;
    private readonly JobControl? _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _renewal;
    private TimeSpan _lease;

    public JobChannelSession(JobChannel channel, string token, string jobId, int attempt, JobControl? control)
    {
        _channel = channel;
        _control = control;
        Token = token;
        JobId = jobId;
        Attempt = attempt;
        Environment = new Dictionary<string, string>
        {
            ["BATON_CHANNEL"] = channel.Address,
            ["BATON_CHANNEL_TOKEN"] = token,
        };
    }

    public string Token { get; }
    public string JobId { get; }
    public int Attempt { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Relays one call with this attempt, retrying while no server answers; the answer line for the job.</summary>
    public async Task<string> CallAsync(string call, JsonObject body)
    {
        if (call is "request" or "heartbeat") return await AnswerHereAsync(call, body);
        body["attempt"] = Attempt;
        var json = body.ToJsonString();
        var retry = new ProtocolRetry(Backoff.Default, _channel.Time, _channel.Logger);
        int status;
        string text;
        try
        {
            (status, text) = await retry.UntilDoneAsync("job channel " + call, ct => _channel.Client.CallJobChannelAsync(JobId, call, json, ct), _stop.Token);
        }
        catch (OperationCanceledException)
        {
            return JobChannel.Refusal(410, "The job's attempt has ended.");
        }
        JsonNode? answer;
        try
        {
            answer = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            answer = new JsonObject { ["detail"] = text.Length > 500 ? text[..500] : text };
        }
        if (call == "workitems/claim" && status == 200 && answer is JsonObject claim && claim["item"] is JsonObject && claim["leaseSeconds"] is JsonValue seconds
            && seconds.TryGetValue<double>(out var leaseSeconds))
        {
            HoldingItems(TimeSpan.FromSeconds(leaseSeconds));
        }
        return new JsonObject { ["status"] = status, ["body"] = answer }.ToJsonString();
    }

    /// <summary>
    /// What the agent answers itself: a heartbeat (sent with the next log flush) and a request for an asset or a
    /// checkpoint (<see cref="IJobRequests"/>, the same answers the control file's requests get).
    /// </summary>
    private async Task<string> AnswerHereAsync(string call, JsonObject body)
    {
        if (call == "heartbeat")
        {
            _control?.RequestHeartbeat();
            return new JsonObject { ["status"] = 200, ["body"] = new JsonObject { ["ok"] = true } }.ToJsonString();
        }
        var operation = (body["op"] as JsonValue)?.TryGetValue<string>(out var op) == true ? op : "";
        JsonObject reply;
        try
        {
            reply = _control?.Requests is { } requests
                ? await requests.HandleAsync(operation, JsonSerializer.SerializeToElement(body), _stop.Token)
                : new JsonObject { ["ok"] = false, ["error"] = "This job runs without a Baton server to ask." };
        }
        catch (OperationCanceledException)
        {
            return JobChannel.Refusal(410, "The job's attempt has ended.");
        }
        return new JsonObject { ["status"] = 200, ["body"] = reply }.ToJsonString();
    }

    /// <summary>The job holds leased items: renew them every third of the lease until the job ends.</summary>
    private void HoldingItems(TimeSpan lease)
    {
        lock (_gate)
        {
            _lease = lease;
            _renewal ??= RenewAsync(_stop.Token);
        }
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        var body = new JsonObject { ["attempt"] = Attempt }.ToJsonString();
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_gate) wait = _lease / 3;
            try
            {
                await Task.Delay(wait, _channel.Time, stop);
                var (status, _) = await _channel.Client.CallJobChannelAsync(JobId, "workitems/renew", body, stop);
                if (status is 404 or 409)
                {
                    _channel.Logger.LogWarning("Job {JobId} attempt {Attempt} no longer holds its work items ({Status}); not renewing them", JobId, Attempt, status);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ServerUnavailableException ex)
            {
                // The next renewal may get through before the lease ends; if not, the items go back to their queue.
                _channel.Logger.LogWarning("Renewing the work-item leases of job {JobId} failed: {Reason}", JobId, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Forget(Token);
        await _stop.CancelAsync();
        Task? renewal;
        lock (_gate) renewal = _renewal;
        if (renewal is not null)
        {
            await renewal;
            // What the job did not finish goes back to its queue now, not when the lease runs out.
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            try
            {
                var retry = new ProtocolRetry(Backoff.Default, _channel.Time, _channel.Logger);
                await retry.UntilDoneAsync("work-item release", ct => _channel.Client.CallJobChannelAsync(
                    JobId, "workitems/release", new JsonObject { ["attempt"] = Attempt }.ToJsonString(), ct), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _channel.Logger.LogWarning("Could not release the work items of job {JobId}; they return to their queue when their lease ends", JobId);
            }
        }
        _stop.Dispose();
    }
}
