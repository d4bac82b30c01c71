using System.Security.Cryptography;

namespace Baton.Core.Secrets;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce per message: <c>nonce ‖ ciphertext ‖ tag</c>. The associated data
/// binds a message to where it belongs (a tenant and purpose, or a data key's slot) without being stored in it.
/// Used twice in envelope encryption: a master key seals data keys, a data key seals secrets.
/// </summary>
public static class AesGcmEnvelope
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A key is {KeySize} bytes.", nameof(key));
        var sealedMessage = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedMessage.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedMessage.AsSpan(NonceSize, plaintext.Length), sealedMessage.AsSpan(NonceSize + plaintext.Length), associatedData);
        return sealedMessage;
    }

    /// <summary>The plaintext, or null when the message is damaged or sealed under another key or associated data.</summary>
    public static byte[]? Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedMessage, ReadOnlySpan<byte> associatedData)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A key is {KeySize} bytes.", nameof(key));
        if (sealedMessage.Length < NonceSize + TagSize) return null;
        var plaintext = new byte[sealedMessage.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(sealedMessage[..NonceSize], sealedMessage.Slice(NonceSize, plaintext.Length), sealedMessage[^TagSize..], plaintext, associatedData);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
