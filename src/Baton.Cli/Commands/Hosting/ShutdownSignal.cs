using System.Runtime.InteropServices;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// Turns Ctrl-C and SIGTERM into one cancellation, so long-running commands stop cleanly. With a drain action,
/// the first SIGTERM drains instead (the autoscaler's and Kubernetes' way to remove an agent without killing a
/// job); a second SIGTERM, or Ctrl-C, stops at once.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration? _sigterm;
    private readonly PosixSignalRegistration? _sigint;

    public ShutdownSignal(CancellationToken outer, Action? drain = null)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var drained = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            _cts.Cancel();
        }
        void OnTerm(PosixSignalContext context)
        {
            if (drain is not null && Interlocked.Exchange(ref drained, 1) == 0)
            {
                context.Cancel = true;
                drain();
                return;
            }
            OnSignal(context);
        }
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerm);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>Stops as a signal would.</summary>
    public void Cancel() => _cts.Cancel();

    public Task WaitAsync() => Task.Delay(Timeout.Infinite, _cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);

    public void Dispose()
    {
        _sigterm?.Dispose();
        _sigint?.Dispose();
        _cts.Dispose();
    }
}
