using System.Runtime.InteropServices;

namespace Baton.Cli.Commands.Hosting;

/// <summary>Turns Ctrl-C and SIGTERM into one cancellation, so long-running commands stop cleanly.</summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration? _sigterm;
    private readonly PosixSignalRegistration? _sigint;

    public ShutdownSignal(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            _cts.Cancel();
        }
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    public Task WaitAsync() => Task.Delay(Timeout.Infinite, _cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);

    public void Dispose()
    {
        _sigterm?.Dispose();
        _sigint?.Dispose();
        _cts.Dispose();
    }
}
