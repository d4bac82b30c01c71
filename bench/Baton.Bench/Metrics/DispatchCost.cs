using System.Globalization;
using Baton.Bench.Hosting;

namespace Baton.Bench.Metrics;

/// <summary>
/// What a run of jobs (or requests) cost the server: its CPU milliseconds per job and, on PostgreSQL, the database's
/// committed transactions per job (<c>pg_stat_database</c>) and, when PostgreSQL runs on this machine, its backends' CPU
/// milliseconds per job, between <see cref="StartAsync"/> and <see cref="AddToAsync"/>.
/// </summary>
public sealed class DispatchCost
{
    private readonly BenchTarget _target;
    private readonly TimeSpan? _cpu;
    private readonly long? _transactions;
    private readonly TimeSpan? _databaseCpu;

    private DispatchCost(BenchTarget target, TimeSpan? cpu, long? transactions, TimeSpan? databaseCpu)
    {
        _target = target;
        _cpu = cpu;
        _transactions = transactions;
        _databaseCpu = databaseCpu;
    }

    public static async Task<DispatchCost> StartAsync(BenchTarget target, CancellationToken cancellationToken) =>
        new(target, target.ReadServerCpuTime(), await target.ReadCommittedTransactionsAsync(cancellationToken), target.ReadDatabaseCpuTime());

    /// <summary>
    /// Adds <c>server_cpu_ms_per_job</c>, <c>db_cpu_ms_per_job</c> and <c>db_transactions_per_job</c> for <paramref name="count"/>
    /// jobs (<paramref name="unit"/> names what was counted: <c>request</c> gives <c>server_cpu_ms_per_request</c> and so on).
    /// </summary>
    public async Task AddToAsync(BenchResult result, int count, string unit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (count <= 0) return;
        if (_cpu is { } before && _target.ReadServerCpuTime() is { } after)
        {
            result.Add($"server_cpu_ms_per_{unit}", (after - before).TotalMilliseconds / count);
            if (_target.InProcess) result.Note($"server_cpu_ms_per_{unit}: the server runs in this process, so it includes the simulators.");
        }
        // A backend opened during the run counts from its start; the pool keeps them open until the server stops.
        if (_databaseCpu is { } databaseBefore && _target.ReadDatabaseCpuTime() is { } databaseAfter)
        {
            result.Add($"db_cpu_ms_per_{unit}", (databaseAfter - databaseBefore).TotalMilliseconds / count)
                .Note($"db_cpu_ms_per_{unit}: CPU of the PostgreSQL backends serving the bench's database (this machine's /proc; WAL writer and checkpointer aside).");
        }
        if (_transactions is { } first)
        {
            // PostgreSQL publishes each backend's counts within about a second of its last transaction.
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
            var last = await _target.ReadCommittedTransactionsAsync(cancellationToken);
            var perUnit = (double)(last!.Value - first) / count;
            result.Add($"db_transactions_per_{unit}", perUnit)
                .Note(string.Create(CultureInfo.InvariantCulture,
                    $"db_transactions_per_{unit}: committed transactions of the server's database (pg_stat_database.xact_commit) over the measured run, {last - first} for {count} {unit}s."));
        }
    }
}
