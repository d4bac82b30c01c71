using System.CommandLine;
using System.Globalization;
using Baton.Server.Backup;
using Baton.Server.Hosting;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton backup create|verify|restore</c>. For the embedded backend these work on the data folder directly (not
/// through the API), so they run beside a live server on the same machine, or in a sidecar sharing its volume; for
/// PostgreSQL, they connect as the tables' owner and run pg_dump / pg_restore.
/// </summary>
public static class BackupCommands
{
    public static Command Create(CliContext context) => new("backup", "Back up, verify and restore Baton's database and package blobs.")
    {
        CreateCommand(context), VerifyCommand(context), RestoreCommand(context),
    };

    private static Command CreateCommand(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "The server's data folder (baton.db, blobs/, master.key).", DefaultValueFactory = _ => ".baton" };
        var blobs = new Option<string?>("--blobs") { Description = "The server's blob store when not DATA/blobs: a folder or s3://BUCKET[/PREFIX]." };
        var to = new Option<string?>("--to") { Description = "Archive to write: a file (default: baton-backup-<UTC time>.tar.gz here) or s3://BUCKET/KEY[?endpoint=URL]." };
        var includeKey = new Option<bool>("--include-master-key") { Description = "Also archive DATA/master.key (by default back it up apart: a key beside its data protects little)." };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Back up this PostgreSQL database instead (the tables' owner connection string; needs pg_dump): one snapshot dumped, every table counted and checksummed.",
        };
        var command = new Command("create", "Take a consistent backup while the server runs: the database and the package blobs it names.")
        {
            data, blobs, to, includeKey, postgres,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions { DataDirectory = parse.GetValue(data)!, Blobs = parse.GetValue(blobs) };
            var archive = parse.GetValue(to) ?? DefaultName(TimeProvider.System);
            var remote = RemoteArchive.IsS3(archive);
            var local = remote ? Path.Combine(Path.GetTempPath(), $"baton-backup-{Guid.NewGuid():N}.tar.gz") : archive;
            var connection = parse.GetValue(postgres);
            if (connection is not null && parse.GetValue(includeKey))
                throw new UsageException("--include-master-key is for the embedded backend; with PostgreSQL the keys come from BATON_MASTER_KEYS: back them up with your secrets.");
            if (connection is null && !File.Exists(Path.Combine(options.DataDirectory, "baton.db")))
                throw new CliException($"There is no Baton database in {Path.GetFullPath(options.DataDirectory)} (baton.db); pass the server's --data folder (or --postgres CONN).");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            BackupManifest manifest;
            long size;
            try
            {
                manifest = await Refusals(() => connection is null
                    ? EmbeddedBackup.CreateAsync(options.DataDirectory, StoreFactory.CreateBlobs(options), local, parse.GetValue(includeKey), TimeProvider.System, ct)
                    : PostgresBackup.CreateAsync(connection, StoreFactory.CreateBlobs(options), local, TimeProvider.System, ct));
                size = new FileInfo(local).Length;
                if (remote) await Refusals(async () => { await RemoteArchive.UploadAsync(local, archive, ct); return true; });
            }
            finally
            {
                if (remote) File.Delete(local);
            }
            var blobCount = manifest.Files.Count(f => BackupArchive.IsBlobEntry(f.Path, out _));
            context.Out.WriteLine($"Backup written to {(remote ? archive : Path.GetFullPath(archive))} ({size:N0} bytes, {clock.Elapsed.TotalSeconds:0.0} s):");
            context.Out.WriteLine($"  {manifest.Storage} database schema {manifest.SchemaVersion}, {manifest.RowCounts.GetValueOrDefault("jobs"):N0} jobs, {manifest.RowCounts.GetValueOrDefault("tenants")} tenants, {blobCount} blobs" +
                (manifest.IncludesMasterKey ? ", master key included (keep the archive as secret as the key)" : ", master key not included (back up DATA/master.key or BATON_MASTER_KEYS apart)"));
            return 0;
        });
        return command;
    }

    private static Command VerifyCommand(CliContext context)
    {
        var archive = new Argument<string>("ARCHIVE") { Description = "A backup archive written by 'baton backup create'." };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "For a PostgreSQL backup: a server to restore it into a scratch database (created and dropped; the role needs CREATEDB and pg_restore).",
        };
        var command = new Command("verify", "Check an archive end to end: checksums, database integrity, row counts, package blobs.") { archive, postgres };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(archive)!;
            var connection = parse.GetValue(postgres);
            var scratch = Directory.CreateTempSubdirectory("baton-verify-").FullName;
            try
            {
                var local = await FetchAsync(path, scratch, ct);
                var extracted = Path.Combine(scratch, "extracted");
                var check = await Refusals(() => connection is null
                    ? EmbeddedBackup.VerifyAsync(local, extracted, ct)
                    : PostgresBackup.VerifyAsync(local, extracted, connection, TimeProvider.System, ct));
                context.Out.WriteLine($"Backup OK: {path} (taken {check.Manifest.CreatedAt.ToString("u", CultureInfo.InvariantCulture)})");
                foreach (var fact in check.Facts) context.Out.WriteLine($"  {fact}");
                return 0;
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        });
        return command;
    }

    private static Command RestoreCommand(CliContext context)
    {
        var archive = new Argument<string>("ARCHIVE") { Description = "A backup archive written by 'baton backup create'." };
        var data = new Option<string?>("--data")
        {
            Description = "Embedded backup: a new or empty folder to restore into. PostgreSQL backup: the server's data folder (its blobs go to DATA/blobs unless --blobs).",
        };
        var masterKey = new Option<string?>("--master-key") { Description = "The source's master key file (backed up apart), copied in as DATA/master.key." };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Restore a PostgreSQL backup into this empty database (the owner's connection string; needs pg_restore), then migrate it.",
        };
        var blobs = new Option<string?>("--blobs") { Description = "With --postgres: the blob store the server will use, a folder or s3://BUCKET[/PREFIX]." };
        var force = new Option<bool>("--force") { Description = "With --postgres: drop everything the target database holds first instead of refusing it." };
        var command = new Command("restore", "Verify an archive, then restore it into a new data folder or an empty PostgreSQL database (never over live data).")
        {
            archive, data, masterKey, postgres, blobs, force,
        };
        command.SetAction(async (parse, ct) =>
        {
            var connection = parse.GetValue(postgres);
            var target = parse.GetValue(data);
            if (connection is null)
            {
                if (target is null) throw new UsageException("--data DIR is required: the new or empty folder to restore into (or --postgres CONN for a PostgreSQL backup).");
                if (parse.GetValue(blobs) is not null || parse.GetValue(force))
                    throw new UsageException("--blobs and --force go with --postgres; an embedded backup is restored into a new --data folder, blobs included.");
            }
            else if (target is null && parse.GetValue(blobs) is null)
            {
                throw new UsageException("--postgres needs --blobs (a folder or s3://…) or --data DIR (blobs in DATA/blobs): where the restored server keeps its package blobs.");
            }
            else if (parse.GetValue(masterKey) is not null)
            {
                throw new UsageException("--master-key is for the embedded backend; with PostgreSQL give the server the source's keys (BATON_MASTER_KEYS or DATA/master.key).");
            }
            var scratch = Directory.CreateTempSubdirectory("baton-restore-").FullName;
            BackupCheck check;
            try
            {
                var local = await FetchAsync(parse.GetValue(archive)!, scratch, ct);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                check = await Refusals(() => connection is null
                    ? EmbeddedBackup.RestoreAsync(local, target!, parse.GetValue(masterKey), ct)
                    : PostgresRestore.RestoreAsync(local, Path.Combine(scratch, "extracted"), connection,
                        StoreFactory.CreateBlobs(new ServerOptions { DataDirectory = target ?? ".baton", Blobs = parse.GetValue(blobs) }), parse.GetValue(force),
                        TimeProvider.System, step => context.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] {step}"), ct));
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
            context.Out.WriteLine(connection is null
                ? $"Restored into {Path.GetFullPath(target!)}; start it with: baton server --data {target}"
                : "Restored into the PostgreSQL database; start the server on it with --storage postgres (and the same --blobs and master keys).");
            foreach (var fact in check.Facts) context.Out.WriteLine($"  {fact}");
            return 0;
        });
        return command;
    }

    /// <summary>A local path as is; an <c>s3://</c> archive downloaded into <paramref name="scratch"/> first.</summary>
    private static async Task<string> FetchAsync(string archive, string scratch, CancellationToken ct)
    {
        if (!RemoteArchive.IsS3(archive)) return archive;
        var local = Path.Combine(scratch, "archive.tar.gz");
        await Refusals(async () => { await RemoteArchive.DownloadAsync(archive, local, ct); return true; });
        return local;
    }

    private static async Task<T> Refusals<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (BackupRefusedException e)
        {
            throw new CliException($"backup refused: {e.Message}", e);
        }
    }

    private static string DefaultName(TimeProvider time) =>
        $"baton-backup-{time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.tar.gz";
}
