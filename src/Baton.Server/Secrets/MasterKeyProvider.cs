using Baton.Core.Secrets;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Secrets;

/// <summary>
/// The server's master key ring, from configuration or a key file. A key file is re-read when its modification
/// time changes (looked at most once a second), so rotating keys needs no restart: add the new key on top, re-wrap,
/// then remove the old one. Without any configuration the server generates <c>DATA/master.key</c> with mode 0600.
/// </summary>
public sealed class MasterKeyProvider
{
    public const string DefaultFileName = "master.key";
    public const string EnvironmentVariable = "BATON_MASTER_KEYS";
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromSeconds(1);

    private readonly SecretsOptions _options;
    private readonly string _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger<MasterKeyProvider> _logger;
    private readonly Lock _gate = new();
    private MasterKeyRing? _ring;
    private DateTime _fileWrittenAt;
    private DateTimeOffset _checkedAt;

    public MasterKeyProvider(IOptions<ServerOptions> options, TimeProvider time, ILogger<MasterKeyProvider> logger)
    {
        _options = options.Value.Secrets;
        _dataDirectory = options.Value.DataDirectory;
        _time = time;
        _logger = logger;
        FilePath = string.IsNullOrWhiteSpace(_options.MasterKeys)
            ? Path.GetFullPath(_options.MasterKeyFile ?? Path.Combine(_dataDirectory, DefaultFileName))
            : null;
    }

    /// <summary>The key file in use, or null when the keys come from configuration.</summary>
    public string? FilePath { get; }

    /// <summary>Where the keys come from, for logs and status (never a key).</summary>
    public string Source => FilePath is null ? $"configuration (Baton:Server:Secrets:MasterKeys or {EnvironmentVariable})" : $"key file {FilePath}";

    /// <summary>True when this process generated the default key file (the first start of a zero-configuration server).</summary>
    public bool GeneratedKeyFile { get; private set; }

    /// <summary>The current ring; a changed key file is re-read first.</summary>
    public MasterKeyRing Current()
    {
        lock (_gate)
        {
            if (_ring is null) return _ring = Load();
            var now = _time.GetUtcNow();
            if (FilePath is not null && now - _checkedAt >= FileCheckInterval)
            {
                _checkedAt = now;
                if (File.Exists(FilePath) && File.GetLastWriteTimeUtc(FilePath) != _fileWrittenAt) _ring = Load();
            }
            return _ring;
        }
    }

    /// <summary>Reads the keys again now (before a re-wrap, or when a data key names a master key the ring lacks).</summary>
    public MasterKeyRing Reload()
    {
        lock (_gate)
        {
            return _ring = Load();
        }
    }

    private MasterKeyRing Load()
    {
        if (FilePath is null) return MasterKeyRing.Parse(_options.MasterKeys!, "Baton:Server:Secrets:MasterKeys");
        if (!File.Exists(FilePath))
        {
            if (_options.MasterKeyFile is not null)
            {
                throw new InvalidOperationException($"The master key file {FilePath} (Baton:Server:Secrets:MasterKeyFile) does not exist.");
            }
            GeneratedKeyFile = MasterKeyFile.CreateIfMissing(FilePath, MasterKey.Generate());
            if (GeneratedKeyFile)
            {
                _logger.LogInformation(
                    "Generated a master key for secrets at rest in {File} (mode 0600). Back it up apart from the database: without it, stored webhook secrets cannot be read.",
                    FilePath);
            }
        }
        else if (MasterKeyFile.IsReadableByOthers(FilePath))
        {
            _logger.LogWarning("The master key file {File} can be read by other users; restrict it with chmod 600.", FilePath);
        }
        _fileWrittenAt = File.GetLastWriteTimeUtc(FilePath);
        _checkedAt = _time.GetUtcNow();
        return MasterKeyRing.Parse(File.ReadAllText(FilePath), FilePath);
    }
}
