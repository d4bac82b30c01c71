using System.Security.Cryptography;
using System.Text;

namespace Baton.Core.Secrets;

/// <summary>A master key and its id (a fingerprint: the first 16 hex digits of a SHA-256 of the key, never the key).</summary>
public sealed class MasterKey
{
    private readonly byte[] _key;

    public MasterKey(byte[] key)
    {
        if (key.Length != AesGcmEnvelope.KeySize) throw new ArgumentException($"A master key is {AesGcmEnvelope.KeySize} bytes (base64 of 32 random bytes).", nameof(key));
        _key = key.ToArray();
        Id = "mk_" + Convert.ToHexStringLower(SHA256.HashData([.. "baton/master-key-id/"u8, .. key]))[..16];
    }

    public string Id { get; }

    public ReadOnlySpan<byte> Key => _key;

    public static MasterKey Generate() => new(AesGcmEnvelope.NewKey());

    public string ToBase64() => Convert.ToBase64String(_key);
}

/// <summary>
/// The master keys a server holds: the first is the primary (it wraps new data keys and re-wraps old ones);
/// the others are kept only to unwrap data keys not yet re-wrapped. Written one base64 key per line
/// (a key file; <c>#</c> starts a comment) or comma-separated (one configuration value).
/// </summary>
public sealed class MasterKeyRing
{
    private readonly Dictionary<string, MasterKey> _byId;

    public MasterKeyRing(IReadOnlyList<MasterKey> keys)
    {
        if (keys.Count == 0) throw new ArgumentException("A key ring needs at least one master key.", nameof(keys));
        Keys = keys;
        _byId = [];
        foreach (var key in keys) _byId.TryAdd(key.Id, key);
    }

    public IReadOnlyList<MasterKey> Keys { get; }

    public MasterKey Primary => Keys[0];

    public MasterKey? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Parses keys from a key file's text or a comma-separated value; the error names what is wrong, never a key.</summary>
    public static MasterKeyRing Parse(string text, string source)
    {
        var keys = new List<MasterKey>();
        var entries = text.Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .SelectMany(line => line.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var number = 0;
        foreach (var entry in entries)
        {
            number++;
            var bytes = new byte[entry.Length];
            if (!Convert.TryFromBase64String(entry, bytes, out var written) || written != AesGcmEnvelope.KeySize)
            {
                throw new FormatException($"{source}: entry {number} is not a master key (base64 of 32 bytes; generate one with `baton secrets new-master-key --print`).");
            }
            keys.Add(new MasterKey(bytes[..written]));
        }
        if (keys.Count == 0) throw new FormatException($"{source} holds no master key.");
        return new MasterKeyRing(keys);
    }

    /// <summary>The key file text for these keys, primary first.</summary>
    public static string Format(IEnumerable<MasterKey> keys)
    {
        var text = new StringBuilder("# Baton master keys (secrets at rest). The first wraps new data keys; the others only unwrap old ones.\n");
        text.Append("# Keep this file with the database backups but not beside them: without it, stored secrets cannot be read.\n");
        foreach (var key in keys) text.Append(key.ToBase64()).Append('\n');
        return text.ToString();
    }
}
