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

    public override string UtcDay(string parameter) => $"({parameter}::timestamptz AT TIME ZONE 'UTC')::date";
}
