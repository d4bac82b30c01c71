namespace Baton.Server.Hosting;

/// <summary>
/// SQLite is single-node: an exclusive lock file in the data folder makes a second server on the
/// same data refuse to start instead of corrupting the queue.
/// </summary>
public sealed class SingleReplicaLock : IDisposable
{
    private readonly FileStream _file;

    private SingleReplicaLock(FileStream file) => _file = file;

    public static SingleReplicaLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "server.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true)) writer.Write(Environment.ProcessId);
            file.Flush();
            return new SingleReplicaLock(file);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"Another Baton server is already running on the SQLite data in '{Path.GetFullPath(dataDirectory)}'. " +
                "The embedded SQLite backend runs as a single replica; stop the other server, use another --data folder, " +
                "or use PostgreSQL to run several replicas.", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
