using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Server.Backup;

/// <summary>
/// What a backup archive holds, written as <c>manifest.json</c>, the archive's first entry: every other entry with
/// its size and SHA-256, the schema version and the row count of every table at the moment of the snapshot, so
/// verify can tell a damaged or incomplete archive from a good one without trusting anything else in it.
/// <see cref="Storage"/> is <c>sqlite</c> (the database is <c>baton.db</c>) or <c>postgres</c> (<c>baton.pgdump</c>, with
/// <see cref="TableChecksums"/> of every table's content).
/// </summary>
public sealed record BackupManifest(
    int Format,
    string Storage,
    DateTimeOffset CreatedAt,
    long SchemaVersion,
    bool IncludesMasterKey,
    IReadOnlyList<BackupFile> Files,
    IReadOnlyDictionary<string, long> RowCounts,
    IReadOnlyDictionary<string, string>? TableChecksums = null)
{
    public const int CurrentFormat = 1;
    public const string EntryName = "manifest.json";
    public const string DatabaseEntry = "baton.db";
    /// <summary>A PostgreSQL backup's database: <c>pg_dump</c>'s custom format.</summary>
    public const string PostgresDumpEntry = "baton.pgdump";
    public const string MasterKeyEntry = "master.key";
    public const string BlobFolder = "blobs/sha256/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The archive entry that holds this backup's database.</summary>
    [JsonIgnore]
    public string DatabaseFile => Storage == "postgres" ? PostgresDumpEntry : DatabaseEntry;

    public static string BlobEntry(string sha256) => $"{BlobFolder}{sha256[..2]}/{sha256}";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses a manifest; a malformed one is refused with the reason.</summary>
    public static BackupManifest Parse(byte[] utf8)
    {
        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(utf8, Json);
        }
        catch (JsonException e)
        {
            throw new BackupRefusedException($"manifest.json is not a valid backup manifest: {e.Message}");
        }
        if (manifest is null || manifest.Files is null || manifest.RowCounts is null || manifest.Storage is null)
            throw new BackupRefusedException("manifest.json is incomplete (files, rowCounts or storage missing).");
        if (manifest.Format != CurrentFormat)
            throw new BackupRefusedException($"manifest.json has format {manifest.Format}; this Baton reads format {CurrentFormat}.");
        return manifest;
    }
}

/// <summary>One entry of the archive besides the manifest.</summary>
public sealed record BackupFile(string Path, long SizeBytes, string Sha256);

/// <summary>The archive cannot be used: the message says why, in words an operator can act on.</summary>
public sealed class BackupRefusedException(string message, Exception? inner = null) : Exception(message, inner);
