using System.Text;
using Baton.Core.Secrets;

namespace Baton.Core.Tests.Secrets;

public sealed class EnvelopeTests
{
    private static readonly byte[] Key = AesGcmEnvelope.NewKey();

    [Fact]
    public void A_sealed_message_opens_with_its_key_and_associated_data_only()
    {
        var ad = ProtectedValue.AssociatedData("t-acme", "webhook:wh_1");
        var sealedMessage = AesGcmEnvelope.Seal(Key, "whsec_plain"u8, ad);

        Assert.Equal("whsec_plain", Encoding.UTF8.GetString(AesGcmEnvelope.Open(Key, sealedMessage, ad)!));
        Assert.Null(AesGcmEnvelope.Open(AesGcmEnvelope.NewKey(), sealedMessage, ad));
        Assert.Null(AesGcmEnvelope.Open(Key, sealedMessage, ProtectedValue.AssociatedData("t-globex", "webhook:wh_1")));
        Assert.Null(AesGcmEnvelope.Open(Key, sealedMessage, ProtectedValue.AssociatedData("t-acme", "webhook:wh_2")));
        Assert.DoesNotContain("whsec_plain", Encoding.Latin1.GetString(sealedMessage), StringComparison.Ordinal);
    }

    [Fact]
    public void Any_flipped_bit_or_truncation_is_detected()
    {
        var ad = "x"u8.ToArray();
        var sealedMessage = AesGcmEnvelope.Seal(Key, "secret"u8, ad);
        for (var i = 0; i < sealedMessage.Length; i++)
        {
            var damaged = sealedMessage.ToArray();
            damaged[i] ^= 0x01;
            Assert.Null(AesGcmEnvelope.Open(Key, damaged, ad));
        }
        Assert.Null(AesGcmEnvelope.Open(Key, sealedMessage.AsSpan(0, sealedMessage.Length - 1), ad));
        Assert.Null(AesGcmEnvelope.Open(Key, sealedMessage.AsSpan(0, 10), ad));
    }

    [Fact]
    public void Each_seal_uses_a_fresh_nonce()
    {
        var first = AesGcmEnvelope.Seal(Key, "same"u8, []);
        var second = AesGcmEnvelope.Seal(Key, "same"u8, []);
        Assert.NotEqual(Convert.ToBase64String(first), Convert.ToBase64String(second));
    }

    [Fact]
    public void Protected_values_name_their_data_key_version_and_reject_anything_else()
    {
        var sealedMessage = AesGcmEnvelope.Seal(Key, "s"u8, []);
        var text = ProtectedValue.Format(3, sealedMessage);

        Assert.StartsWith("bsec1:3:", text, StringComparison.Ordinal);
        Assert.True(ProtectedValue.TryParse(text, out var version, out var parsed));
        Assert.Equal((3, Convert.ToBase64String(sealedMessage)), (version, Convert.ToBase64String(parsed)));
        foreach (var bad in new[] { "whsec_plain", "bsec1:", "bsec1:0:AAAA", "bsec1:x:AAAA", "bsec1:2", "bsec1:2:not base64!", "bsec1:-1:AAAA" })
        {
            Assert.False(ProtectedValue.TryParse(bad, out _, out _), bad);
        }
    }

    [Fact]
    public void A_key_ring_reads_keys_from_a_file_or_a_comma_separated_value_primary_first()
    {
        var first = MasterKey.Generate();
        var second = MasterKey.Generate();

        var fromFile = MasterKeyRing.Parse(MasterKeyRing.Format([first, second]), "test file");
        var fromValue = MasterKeyRing.Parse($" {first.ToBase64()} , {second.ToBase64()} ", "test value");

        Assert.Equal([first.Id, second.Id], fromFile.Keys.Select(k => k.Id));
        Assert.Equal([first.Id, second.Id], fromValue.Keys.Select(k => k.Id));
        Assert.Equal(first.Id, fromFile.Primary.Id);
        Assert.Same(fromFile.Keys[1], fromFile.Find(second.Id));
        Assert.Null(fromFile.Find(MasterKey.Generate().Id));
        Assert.StartsWith("mk_", first.Id, StringComparison.Ordinal);
        Assert.Equal(new MasterKey(Convert.FromBase64String(first.ToBase64())).Id, first.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public void A_key_ring_without_a_valid_key_is_refused_without_echoing_the_text(string text)
    {
        var error = Assert.Throws<FormatException>(() => MasterKeyRing.Parse(text, "the key file"));
        Assert.Contains("the key file", error.Message, StringComparison.Ordinal);
        if (text.Length > 0) Assert.DoesNotContain(text, error.Message, StringComparison.Ordinal);
    }
}
