using Baton.Core.Autoscaling;
using Baton.Server.Autoscaling.Providers;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Autoscaling;

/// <summary>
/// The autoscaler role. Every <see cref="AutoscalerOptions.Tick"/> it looks at the applied policies; for each target
/// it holds (or takes) the lease of, and whose evaluation interval has passed, it evaluates once (see
/// <see cref="TargetEvaluator"/>). Safe in N replicas: a target is acted on by the one replica holding its lease in
/// the database, every write is fenced by that lease, and a replica that stops renewing loses the target to another
/// after <see cref="AutoscalerOptions.LeaseTtl"/>.
/// </summary>
public sealed class AutoscalerService(
    IBatonStore store,
    ScalingProviders providers,
    FleetReadings readings,
    DemandTracker demand,
    AutoscaleEvents events,
    AutoscalePolicies policies,
    IRequestActivitySource requests,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AutoscalerService>();
    private readonly Dictionary<string, TargetEvaluator> _evaluators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _leases = new(StringComparer.Ordinal);
    private DateTimeOffset _trimmedAt = DateTimeOffset.MinValue;

    /// <summary>This replica's name in leases and decisions.</summary>
    public string Holder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    private AutoscalerOptions Settings => options.Value.Autoscaler;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ApplyStartupPolicyAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Applying the start-up autoscaling policy failed");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Autoscaler tick failed; retrying next tick");
            }
            try
            {
                await Task.Delay(Settings.Tick, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ApplyStartupPolicyAsync(CancellationToken ct)
    {
        if (Settings.PolicyFile is { Length: > 0 } file)
        {
            var result = await policies.ApplyAsync(await File.ReadAllTextAsync(file, ct), ct);
            if (!result.Succeeded) throw new InvalidOperationException($"{file}: {string.Join("; ", result.Errors)}");
            _logger.LogInformation("Applied autoscaling policies from {File}: {Targets}", file, string.Join(", ", result.Policies.Select(p => p.Target.Key)));
        }
        else if (Settings.DefaultPolicy && (await store.Autoscale.ListTargetsAsync(ct)).Count == 0)
        {
            await policies.ApplyAsync(AutoscalePolicies.DefaultLocalPolicy, ct);
            _logger.LogInformation("Applied the default local autoscaling policy (worker/default, 1 to 4 agents)");
        }
    }

    /// <summary>One tick: renew or take leases, evaluate the targets that are due.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var targets = await store.Autoscale.ListTargetsAsync(ct);
        foreach (var gone in _evaluators.Keys.Where(k => targets.All(t => t.Target != k)).ToList())
        {
            _evaluators.Remove(gone);
            _leases.Remove(gone);
            await providers.ForgetAsync(gone);
        }

        Storage.Model.FleetSnapshot? fleet = null;
        foreach (var record in targets)
        {
            if (!await HoldAsync(record.Target, now, ct)) continue;
            if (!_evaluators.TryGetValue(record.Target, out var evaluator))
            {
                evaluator = new TargetEvaluator(record.Target, store, providers, readings, demand, events, requests, options.Value, time,
                    loggers.CreateLogger<TargetEvaluator>());
                _evaluators[record.Target] = evaluator;
            }
            if (evaluator.PolicyOf(record) is not { } policy) continue;
            if (now - evaluator.LastEvaluatedAt < policy.EvaluationInterval) continue;
            fleet ??= await store.Autoscale.ReadFleetAsync(now, Settings.FastFailure, ct);
            try
            {
                if (!await evaluator.EvaluateAsync(record, policy, fleet, Holder, ct)) _leases.Remove(record.Target);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Evaluating {Target} failed", record.Target);
            }
        }

        if (now - _trimmedAt > TimeSpan.FromHours(1))
        {
            _trimmedAt = now;
            await store.Autoscale.TrimHistoryAsync(now - Settings.HistoryRetention, ct);
        }
    }

    // The lease is renewed once a third of it has passed, not every tick: one write per target per five seconds.
    private async Task<bool> HoldAsync(string target, DateTimeOffset now, CancellationToken ct)
    {
        if (_leases.TryGetValue(target, out var until) && until - now > Settings.LeaseTtl * 2 / 3) return true;
        if (await store.Autoscale.TryAcquireLeaseAsync(target, Holder, now, Settings.LeaseTtl, ct))
        {
            if (!_leases.ContainsKey(target)) _logger.LogInformation("This replica ({Holder}) now scales {Target}", Holder, target);
            _leases[target] = now + Settings.LeaseTtl;
            return true;
        }
        if (_leases.Remove(target)) _logger.LogInformation("Another replica scales {Target} now", target);
        return false;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var target in _leases.Keys.ToList())
        {
            try
            {
                await store.Autoscale.ReleaseLeaseAsync(target, Holder, CancellationToken.None);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Releasing the lease of {Target} failed; it runs out by itself", target);
            }
        }
        await providers.DisposeAsync();
    }
}
