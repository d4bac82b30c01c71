using System.Diagnostics;
using System.Globalization;
using Baton.Core.Packages;

namespace Baton.Server.Autoscaling.Providers;

/// <summary>
/// Runs the operator's command with the wanted count: <c>{replicas}</c> in <c>command</c> is replaced by it, and
/// it is also in <c>BATON_REPLICAS</c> (with <c>BATON_TARGET</c>). Meant for cloud scale sets (EC2 Auto Scaling
/// groups, Azure VM scale sets, GCE managed instance groups; see docs/autoscaling.md). The current count is what
/// <c>statusCommand</c> prints, or else the count last set. A non-zero exit or a timeout fails the decision,
/// which is retried at the next evaluation.
/// </summary>
public sealed class CommandProvider(string target, string command, string? statusCommand, TimeSpan timeout, int initialReplicas, ILogger logger) : IScalingProvider
{
    private int _replicas = initialReplicas;

    public static CommandProvider FromSettings(string target, Core.Autoscaling.ProviderSpec spec, int initialReplicas, ILogger logger) =>
        new(target, spec.Setting("command")!, spec.Setting("statusCommand"),
            spec.Setting("timeout") is { } text && DurationParser.TryParse(text, out var timeout) ? timeout : TimeSpan.FromMinutes(2),
            initialReplicas, logger);

    public string Description => $"command `{command}`";

    public TimeSpan? MeasuredReadyTime => null;

    public async Task<int> GetReplicasAsync(CancellationToken cancellationToken)
    {
        if (statusCommand is null) return _replicas;
        var output = await RunAsync(statusCommand, _replicas, cancellationToken);
        return int.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? _replicas = count
            : throw new ScalingProviderException($"statusCommand printed '{Shorten(output)}', not a whole number");
    }

    public async Task SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        await RunAsync(command.Replace("{replicas}", replicas.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), replicas, cancellationToken);
        _replicas = replicas;
    }

    private async Task<string> RunAsync(string text, int replicas, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(text);
        start.Environment["BATON_REPLICAS"] = replicas.ToString(CultureInfo.InvariantCulture);
        start.Environment["BATON_TARGET"] = target;
        using var process = Process.Start(start) ?? throw new ScalingProviderException("could not start /bin/sh");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new ScalingProviderException($"`{text}` did not finish within {timeout.TotalSeconds:0} s");
        }
        var output = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0) throw new ScalingProviderException($"`{text}` exited {process.ExitCode}: {Shorten(errors.Length > 0 ? errors : output)}");
        logger.LogInformation("Ran `{Command}` for {Target} ({Replicas} replicas)", text, target, replicas);
        return output;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text.Trim() : text[..300].Trim() + "…";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
