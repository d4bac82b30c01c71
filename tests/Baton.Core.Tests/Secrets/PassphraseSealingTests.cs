using Baton.Core.Secrets;

namespace Baton.Core.Tests.Secrets;

public sealed class PassphraseSealingTests
{
    private const string Passphrase = "correct horse battery staple";
    private const int Iterations = 100_000;

    [Fact]
    public void A_secret_opens_with_the_same_passphrase_for_its_own_asset_and_group_only()
    {
        var sealing = PassphraseSealing.Create(Passphrase, Iterations);
        var sealedValue = sealing.Seal("erp-login", "eu", "pw-123");

        Assert.StartsWith(PassphraseSealing.Prefix, sealedValue, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-123", sealedValue, StringComparison.Ordinal);
        var reopened = PassphraseSealing.Open(Passphrase, sealing.Parameters);
        Assert.NotNull(reopened);
        Assert.True(reopened.TryOpen("erp-login", "eu", sealedValue, out var secret));
        Assert.Equal("pw-123", secret);
        Assert.False(reopened.TryOpen("erp-login", "", sealedValue, out _));
        Assert.False(reopened.TryOpen("other", "eu", sealedValue, out _));
        Assert.False(reopened.TryOpen("erp-login", "eu", "bsec1:1:AAAA", out _));
    }

    [Fact]
    public void A_wrong_passphrase_is_recognised_before_any_secret_is_opened()
    {
        var sealing = PassphraseSealing.Create(Passphrase, Iterations);
        Assert.Null(PassphraseSealing.Open("correct horse battery stapler", sealing.Parameters));
    }

    [Fact]
    public void Each_export_gets_its_own_salt()
    {
        var first = PassphraseSealing.Create(Passphrase, Iterations);
        var second = PassphraseSealing.Create(Passphrase, Iterations);
        Assert.NotEqual(first.Parameters.Salt, second.Parameters.Salt);
        Assert.False(PassphraseSealing.Open(Passphrase, second.Parameters)!.TryOpen("a", "", first.Seal("a", "", "x"), out _));
    }

    [Fact]
    public void Short_passphrases_and_foreign_parameters_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PassphraseSealing.Create("too short", Iterations));
        var parameters = PassphraseSealing.Create(Passphrase, Iterations).Parameters;
        Assert.Throws<FormatException>(() => PassphraseSealing.Open(Passphrase, parameters with { Kdf = "scrypt" }));
        Assert.Throws<FormatException>(() => PassphraseSealing.Open(Passphrase, parameters with { Iterations = 10 }));
        Assert.Throws<FormatException>(() => PassphraseSealing.Open(Passphrase, parameters with { Salt = "not base64!" }));
    }
}
