using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python.Warm;

/// <summary>
/// Where forked jobs send their stdout and stderr: one Unix socket the agent listens on (an
/// abstract name on Linux, a file elsewhere). A job connects twice and opens each connection with
/// its 32-character token and <c>o</c> or <c>e</c>; from then on a connection is the job's stream,
/// inherited by whatever it starts, just like a pipe. Tokens are random, so nothing else on the
/// machine can write into a job's log.
/// </summary>
internal sealed class JobOutputListener : IDisposable
{
    public const int TokenLength = 32;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, JobOutputChannels> _expected = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly string? _socketFile;

    private JobOutputListener(Socket listener, string address, string? socketFile, ILogger logger)
    {
        _listener = listener;
        Address = address;
        _socketFile = socketFile;
        _logger = logger;
        _ = AcceptLoopAsync();
    }

    /// <summary>The address as Python's <c>socket.connect</c> takes it.</summary>
    public string Address { get; }

    public static JobOutputListener Start(ILogger logger)
    {
        var name = "baton-" + Environment.ProcessId + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string address;
        string? file = null;
        if (OperatingSystem.IsLinux())
        {
            // Abstract: no file to clean up, no path-length limit.
            address = "\0" + name;
        }
        else
        {
            file = Path.Combine(Path.GetTempPath(), name + ".sock");
            address = file;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(address));
            socket.Listen(1024);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new JobOutputListener(socket, address, file, logger);
    }

    /// <summary>Registers a job's token; its streams arrive on the returned channels.</summary>
    public JobOutputChannels Expect()
    {
        while (true)
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenLength / 2));
            var channels = new JobOutputChannels(token, this);
            if (_expected.TryAdd(token, channels))
                return channels;
        }
    }

    internal void Forget(string token) => _expected.TryRemove(token, out _);

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
                _logger.LogWarning("Accepting a job's output connection failed: {Reason}", ex.Message);
                continue;
            }

            _ = HandshakeAsync(connection);
        }
    }

    private async Task HandshakeAsync(Socket connection)
    {
        var stream = new NetworkStream(connection, ownsSocket: true);
        try
        {
            var header = new byte[TokenLength + 1];
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                timeout.CancelAfter(HandshakeTimeout);
                await stream.ReadExactlyAsync(header, timeout.Token);
            }

            var token = Encoding.ASCII.GetString(header, 0, TokenLength);
            if (_expected.TryGetValue(token, out var channels) && channels.Deliver(header[TokenLength], stream))
                return;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or EndOfStreamException or SocketException)
        {
        }

        await stream.DisposeAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
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
    }
}

/// <summary>One job's stdout and stderr as they connect; null for a stream that never will.</summary>
internal sealed class JobOutputChannels : IDisposable
{
    private static readonly ReadOnlyMemory<byte> Go = "g"u8.ToArray();
    private readonly JobOutputListener _owner;
    private readonly TaskCompletionSource<TextReader?> _stdout = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TextReader?> _stderr = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobOutputChannels(string token, JobOutputListener owner)
    {
        Token = token;
        _owner = owner;
    }

    public string Token { get; }

    public Task<TextReader?> Stdout => _stdout.Task;

    public Task<TextReader?> Stderr => _stderr.Task;

    internal bool Deliver(byte stream, Stream connection)
    {
        var target = stream switch
        {
            (byte)'o' => _stdout,
            (byte)'e' => _stderr,
            _ => null,
        };
        return target is not null && target.TrySetResult(new StreamReader(connection, Encoding.UTF8));
    }

    /// <summary>
    /// Lets a gated job run: it waits for this one byte on its stdout connection. Returns without sending when the job
    /// ended before its stdout connected, or is gone.
    /// </summary>
    public async Task ReleaseAsync(Task exited)
    {
        if (await Task.WhenAny(_stdout.Task, exited) != _stdout.Task || await _stdout.Task is not StreamReader { BaseStream: var connection })
            return;
        try
        {
            await connection.WriteAsync(Go);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The job died first: its exit is reported as usual.
        }
    }

    /// <summary>The job is gone: a stream that has not connected by now never will.</summary>
    public void GiveUp()
    {
        _stdout.TrySetResult(null);
        _stderr.TrySetResult(null);
    }

    public void Dispose()
    {
        _owner.Forget(Token);
        GiveUp();
        foreach (var task in new[] { _stdout.Task, _stderr.Task })
        {
            if (task.IsCompletedSuccessfully)
                task.Result?.Dispose();
        }
    }
}
