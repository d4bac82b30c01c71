using Baton.Storage.Relational;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL's side of <see cref="JobSql"/>.</summary>
internal sealed class PostgresJobSql : JobSql
{
    public static PostgresJobSql Instance { get; } = new();

    public override string LogPage =>
        """
        SELECT seq AS Seq, attempt AS Attempt, at AS At, stream AS Stream, text AS Text
        FROM job_logs
        WHERE job_id = @jobId AND tenant_id = @tenantId AND seq > @afterSeq
        ORDER BY seq
        LIMIT @limit;
        """;

    public override string EventList =>
        """
        SELECT id AS Id, job_id AS JobId, at AS At, type AS Type, attempt AS Attempt, agent_id AS AgentId, message AS Message
        FROM job_events
        WHERE job_id = @jobId AND tenant_id = @tenantId
        ORDER BY id;
        """;

    /// <summary>Candidates a claim reads first (at least; eight per free slot when more).</summary>
    private const int SmallCandidateWindow = 32;

    public override string ClaimCandidates(string orderBy) =>
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue <> ALL(@blocked)
        ORDER BY {orderBy}
        LIMIT @limit;
        """;

    // A small window first: most claims are filled from the first rows of the ready index.
    public override int FirstClaimWindow(int slotsWanted, int window) => Math.Min(window, Math.Max(SmallCandidateWindow, slotsWanted * 8));

    public override string UtcDay(string parameter) => $"({parameter}::timestamptz AT TIME ZONE 'UTC')::date";
}
