using System.Globalization;
using Baton.Bench.Hosting;

namespace Baton.Bench.Metrics;

/// <summary>
/// What a run of jobs cost the server: its CPU milliseconds per job and, on PostgreSQL, the database's
/// committed transactions per job (<c>pg_stat_database</c>), between <see cref="StartAsync"/> and <see cref="AddToAsync"/>.
/// </summary>
public sealed class DispatchCost
{
    private readonly BenchTarget _target;
    private readonly TimeSpan? _cpu;
    private readonly long? _transactions;

    private DispatchCost(BenchTarget target, TimeSpan? cpu, long? transactions)
    {
        _target = target;
        _cpu = cpu;
        _transactions = transactions;
    }

    public static async Task<DispatchCost> StartAsync(BenchTarget target, CancellationToken cancellationToken) =>
        new(target, target.ReadServerCpuTime(), await target.ReadCommittedTransactionsAsync(cancellationToken));

    /// <summary>Adds <c>server_cpu_ms_per_job</c> and <c>db_transactions_per_job</c> for <paramref name="jobs"/> jobs.</summary>
    public async Task AddToAsync(BenchResult result, int jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (jobs <= 0) return;
        if (_cpu is { } before && _target.ReadServerCpuTime() is { } after)
        {
            result.Add("server_cpu_ms_per_job", (after - before).TotalMilliseconds / jobs);
            if (_target.InProcess) result.Note("server_cpu_ms_per_job: the server runs in this process, so it includes the simulators.");
        }
        if (_transactions is { } first)
        {
            // PostgreSQL publishes each backend's counts within about a second of its last transaction.
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
            var last = await _target.ReadCommittedTransactionsAsync(cancellationToken);
            var perJob = (double)(last!.Value - first) / jobs;
            result.Add("db_transactions_per_job", perJob)
                .Note(string.Create(CultureInfo.InvariantCulture,
                    $"db_transactions_per_job: committed transactions of the server's database (pg_stat_database.xact_commit) over the measured run, {last - first} for {jobs} jobs."));
        }
    }
}
