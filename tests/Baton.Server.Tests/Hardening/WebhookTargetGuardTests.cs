using System.Net;
using Baton.Server.Hosting;
using Baton.Server.Notifications;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// The SSRF guard decides on the address itself against IANA's IPv4 and IPv6 special-purpose registries,
/// looking inside every IPv6 form that carries an IPv4 address.
/// </summary>
public sealed class WebhookTargetGuardTests
{
    private static readonly WebhookTargetGuard Guard = new(Options.Create(new ServerOptions()));

    [Theory]
    // IPv4 special-purpose registry (RFC 6890 and successors).
    [InlineData("0.1.2.3")]
    [InlineData("10.20.30.40")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("192.0.0.9")]
    [InlineData("192.0.0.170")]
    [InlineData("192.0.2.1")]
    [InlineData("192.31.196.1")]
    [InlineData("192.52.193.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.1.1")]
    [InlineData("192.175.48.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.1")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 special-purpose registry and what lies outside global unicast.
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("100::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")]
    [InlineData("2001:2::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:20::1")]
    [InlineData("2620:4f:8000::1")]
    [InlineData("3fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("feff::1")]
    [InlineData("ff02::1")]
    [InlineData("64:ff9b:1::a00:1")]
    // IPv6 forms that carry a loopback or private IPv4 address.
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::127.0.0.1")]
    [InlineData("::10.0.0.1")]
    [InlineData("::ffff:0:127.0.0.1")]
    [InlineData("64:ff9b::127.0.0.1")]
    [InlineData("64:ff9b::192.168.0.1")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("2002:c0a8:101::1")]
    [InlineData("2002:a9fe:a9fe::1")]
    public void Special_purpose_addresses_are_refused(string address) =>
        Assert.NotNull(Guard.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:81b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("2002:808:808::1")]
    public void Public_addresses_pass(string address) =>
        Assert.Null(Guard.Refusal(IPAddress.Parse(address)));

    [Fact]
    public void Allowed_networks_open_a_range_on_purpose()
    {
        var options = new ServerOptions();
        options.Webhooks.AllowedNetworks = ["10.20.0.0/16"];
        var guard = new WebhookTargetGuard(Options.Create(options));
        Assert.Null(guard.Refusal(IPAddress.Parse("10.20.1.2")));
        Assert.Null(guard.Refusal(IPAddress.Parse("::ffff:10.20.1.2")));
        Assert.NotNull(guard.Refusal(IPAddress.Parse("10.21.1.2")));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_yet_is_accepted_at_creation_a_forbidden_address_is_not()
    {
        // .invalid never resolves (RFC 6761): the README's hooks.example.com may not resolve where Baton runs either.
        Assert.Null(await Guard.CheckUrlAsync("https://hooks.baton-test.invalid/baton", CancellationToken.None));
        Assert.Equal("target-not-allowed", (await Guard.CheckUrlAsync("http://127.0.0.1:9/hook", CancellationToken.None))?.Reason);
        Assert.Equal("invalid-url", (await Guard.CheckUrlAsync("ftp://hooks.example.com/", CancellationToken.None))?.Reason);
    }
}
