namespace Baton.Storage;

/// <summary>Which job started which (child jobs submitted by a running job), for the depth limit and the parent's reads.</summary>
public interface IJobLineageStore
{
    /// <summary>How deep the job is: 0 for a job nobody's job submitted, its parent's depth + 1 otherwise.</summary>
    Task<int> DepthOfAsync(string tenantId, string jobId, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="parentId"/> started <paramref name="childId"/> (first writer wins).</summary>
    Task RecordAsync(string tenantId, string childId, string parentId, int depth, CancellationToken cancellationToken);

    /// <summary>The job that started <paramref name="childId"/>, or null.</summary>
    Task<string?> ParentOfAsync(string tenantId, string childId, CancellationToken cancellationToken);
}
