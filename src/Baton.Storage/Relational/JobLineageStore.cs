namespace Baton.Storage.Relational;

/// <summary>Child jobs' lineage (<c>job_lineage</c>), written once for both backends.</summary>
internal sealed class JobLineageStore(IStoreDatabase database, TimeProvider time) : IJobLineageStore
{
    public Task<int> DepthOfAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session => await session.ScalarAsync<int?>(
            "SELECT depth FROM job_lineage WHERE tenant_id = @tenantId AND child_id = @jobId;", new { tenantId, jobId }) ?? 0, cancellationToken);

    public Task RecordAsync(string tenantId, string childId, string parentId, int depth, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.ExecuteAsync(
            """
            INSERT INTO job_lineage (tenant_id, child_id, parent_id, depth, created_at) VALUES (@tenantId, @childId, @parentId, @depth, @now)
            ON CONFLICT DO NOTHING;
            """, new { tenantId, childId, parentId, depth, now = time.GetUtcNow() }), cancellationToken);

    public Task<string?> ParentOfAsync(string tenantId, string childId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<string>(
            "SELECT parent_id FROM job_lineage WHERE tenant_id = @tenantId AND child_id = @childId;", new { tenantId, childId }), cancellationToken);
}
