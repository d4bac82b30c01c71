using Microsoft.Extensions.Logging;

namespace Baton.Agent.Protocol;

/// <summary>
/// Retries a protocol call while the server is unreachable (restart, network blip) with backoff and
/// jitter, until it succeeds, the attempt turns out stale, or the caller stops.
/// </summary>
public sealed class ProtocolRetry(Backoff backoff, TimeProvider timeProvider, ILogger logger)
{
    public async Task<T> UntilDoneAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (ServerUnavailableException ex)
            {
                failures++;
                var delay = backoff.DelayFor(failures);
                if (failures == 1 || failures % 10 == 0)
                    logger.LogWarning("{What} failed ({Failures} times): {Reason}; retrying in {Delay} ms", what, failures, ex.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, timeProvider, cancellationToken);
            }
        }
    }

    public Task UntilDoneAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        UntilDoneAsync<bool>(what, async ct =>
        {
            await call(ct);
            return true;
        }, cancellationToken);
}
