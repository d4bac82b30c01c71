using System.Net;
using System.Net.Sockets;

namespace Baton.Core.Networking;

/// <summary>
/// Whether an address is fit to be dialled on a user's behalf (webhooks): not in IANA's IPv4 or IPv6
/// special-purpose address registries (RFC 6890 and its successors), not multicast, and — for IPv6 —
/// inside global unicast (2000::/3). IPv6 forms that carry an IPv4 address (mapped, compatible,
/// SIIT-translated, NAT64, 6to4) are judged by the IPv4 address they carry, so <c>::ffff:127.0.0.1</c>,
/// <c>64:ff9b::10.0.0.1</c> and <c>2002:7f00:1::</c> are loopback and private like the addresses inside them.
/// </summary>
public static class SpecialPurposeAddresses
{
    private static readonly (IPNetwork Network, string Name)[] IPv4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "\"this network\""),
        (IPNetwork.Parse("10.0.0.0/8"), "private-use"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private-use"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation (TEST-NET-1)"),
        (IPNetwork.Parse("192.31.196.0/24"), "AS112"),
        (IPNetwork.Parse("192.52.193.0/24"), "AMT"),
        (IPNetwork.Parse("192.88.99.0/24"), "deprecated 6to4 relay anycast"),
        (IPNetwork.Parse("192.168.0.0/16"), "private-use"),
        (IPNetwork.Parse("192.175.48.0/24"), "AS112 direct delegation"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation (TEST-NET-2)"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation (TEST-NET-3)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved (and limited broadcast)"),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    private static readonly (IPNetwork Network, string Name)[] IPv6 =
    [
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use IPv4/IPv6 translation"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112, …)"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("2620:4f:8000::/48"), "AS112 direct delegation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
    ];

    private static readonly (IPNetwork Network, string Name)[] OutsideGlobalUnicast =
    [
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/8"), "reserved by the IETF"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("5f00::/16"), "segment routing SIDs"),
        (IPNetwork.Parse("fc00::/7"), "unique local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local (deprecated)"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>Null for an address fit to dial; else what it is, in words.</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return ClassifyIPv4(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        if (EmbeddedIPv4(address) is { } embedded)
        {
            var inner = ClassifyIPv4(embedded.Address);
            return inner is null ? null : $"{embedded.Form} of {embedded.Address}, which is {inner}";
        }
        foreach (var (network, name) in IPv6)
        {
            if (network.Contains(address)) return name;
        }
        if (GlobalUnicast.Contains(address)) return null;
        foreach (var (network, name) in OutsideGlobalUnicast)
        {
            if (network.Contains(address)) return name;
        }
        return "outside global unicast (2000::/3)";
    }

    /// <summary>The IPv4 address an IPv6 form carries, and the form's name; null for other addresses.</summary>
    public static (IPAddress Address, string Form)? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var last32 = new IPAddress(bytes[12..]);
        if (address.IsIPv4MappedToIPv6) return (last32, "IPv4-mapped address");
        // ::a.b.c.d (IPv4-compatible, deprecated) — but :: and ::1 are themselves.
        if (bytes[..12].IndexOfAnyExcept((byte)0) < 0 && (bytes[12] | bytes[13] | bytes[14]) != 0) return (last32, "IPv4-compatible address");
        // ::ffff:0:a.b.c.d (SIIT, IPv4-translated).
        if (bytes[..8].IndexOfAnyExcept((byte)0) < 0 && bytes[8] == 0xFF && bytes[9] == 0xFF && bytes[10] == 0 && bytes[11] == 0)
        {
            return (last32, "IPv4-translated address");
        }
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix).
        if (bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && bytes[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return (last32, "NAT64 address");
        }
        // 2002:a.b.c.d::/48 (6to4).
        if (bytes[0] == 0x20 && bytes[1] == 0x02) return (new IPAddress(bytes[2..6]), "6to4 address");
        return null;
    }

    private static string? ClassifyIPv4(IPAddress address)
    {
        foreach (var (network, name) in IPv4)
        {
            if (network.Contains(address)) return name;
        }
        return null;
    }
}
