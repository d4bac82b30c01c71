using Baton.Agent.Protocol;
using Baton.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>
/// Uploads what a job left under <c>$BATON_ARTIFACTS</c> (its work directory's <c>artifacts</c> folder) once its process
/// has ended, one streamed request per file, named by the file's path under the folder. A file the server refuses (over
/// the tenant's per-job limit or storage quota, an invalid name) is skipped with a line in the job's log; the job's
/// outcome stays what its process decided.
/// </summary>
internal static class ArtifactUploader
{
    public const string FolderName = "artifacts";

    public static string FolderIn(string workDirectory) => Path.Combine(workDirectory, FolderName);

    /// <summary>Uploads every file; returns how many were stored. A stale attempt ends it (the caller drops the attempt).</summary>
    public static async Task<int> UploadAsync(
        string workDirectory, string jobId, int attempt, AgentProtocolClient client, ProtocolRetry retry, JobLog log, ILogger logger,
        CancellationToken cancellationToken)
    {
        var folder = FolderIn(workDirectory);
        if (!Directory.Exists(folder)) return 0;
        var stored = 0;
        foreach (var (name, path) in FilesUnder(folder, log))
        {
            if (ArtifactNames.Check(name) is { } reason)
            {
                log.Append("system", $"[artifact '{name}' not saved: {reason}]");
                continue;
            }
            try
            {
                var answer = await retry.UntilDoneAsync("artifact upload", ct => client.UploadArtifactAsync(jobId, attempt, name, path, ct), cancellationToken);
                logger.LogDebug("Saved artifact {Name} ({Bytes} bytes)", name, answer.SizeBytes);
                stored++;
            }
            catch (ProtocolRequestException ex)
            {
                log.Append("system", $"[artifact '{name}' not saved: {ex.Message}]");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Append("system", $"[artifact '{name}' not saved: the agent could not read it: {ex.Message}]");
            }
        }
        if (stored > 0) log.Append("system", $"[saved {stored} artifact{(stored == 1 ? "" : "s")}]");
        return stored;
    }

    /// <summary>Regular files under the folder by name; symbolic links are skipped (a job saves files, not pointers into the agent's disk).</summary>
    private static IEnumerable<(string Name, string Path)> FilesUnder(string folder, JobLog log)
    {
        var found = new List<(string, string)>();
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(folder));
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            FileSystemInfo[] entries;
            try
            {
                entries = directory.GetFileSystemInfos();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var folderName = Path.GetRelativePath(folder, directory.FullName).Replace(Path.DirectorySeparatorChar, '/');
                log.Append("system", $"[artifacts under '{folderName}' not saved: the agent could not list them: {ex.Message}]");
                continue;
            }
            foreach (var entry in entries)
            {
                var name = Path.GetRelativePath(folder, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    log.Append("system", $"[artifact '{name}' not saved: it is a symbolic link]");
                }
                else if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else if (entry is FileInfo)
                {
                    found.Add((name, entry.FullName));
                }
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return found;
    }
}
