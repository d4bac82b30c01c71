using System.Text;

namespace Baton.Tests.Shared;

/// <summary>One hostile upload: its bytes, the <c>reason</c> the server must refuse it with, and whether the archive itself (not only its manifest) is unsafe to extract.</summary>
public sealed record HostilePackage(string Name, byte[] Bytes, string Reason, bool UnsafeToExtract)
{
    public override string ToString() => Name;
}

/// <summary>
/// The malicious package corpus, generated (nothing binary is checked in): zip-slip forms, links,
/// bombs by ratio, by count and by lying headers, duplicates, corrupt content, hostile names, and
/// manifests built to exhaust the parser. Shared by the server's, the inspector's and the agent's tests.
/// </summary>
public static class HostilePackages
{
    public static IEnumerable<HostilePackage> All()
    {
        foreach (var name in new[] { "../evil.py", "a/../../evil.py", "..\\evil.py", "a\\..\\..\\evil.py", "a/../b.py", "./a/../main2.py" })
        {
            yield return Structural($"zip-slip {name}", RawZip.Package().Add(name, "x"), "path_escapes_root");
        }
        foreach (var name in new[] { "/etc/cron.d/evil", "C:\\Windows\\evil.dll", "c:evil.py", "\\\\server\\share\\evil.py" })
        {
            yield return Structural($"absolute {name}", RawZip.Package().Add(name, "x"), "absolute_path");
        }
        yield return Structural("symlink to /etc/shadow",
            RawZip.Package().Add(new RawZip.Entry("secrets"u8.ToArray(), "/etc/shadow"u8.ToArray(), Deflate: false, UnixMode: 0xA1FF)), "symlink");
        yield return Structural("symlink folder",
            RawZip.Package().Add(new RawZip.Entry("lib"u8.ToArray(), "../../"u8.ToArray(), Deflate: false, UnixMode: 0xA1ED)), "symlink");
        yield return Structural("bomb by ratio (64 MiB of zeros)", RawZip.Package().Add("zeros.bin", new byte[64 * 1024 * 1024]), "zip_bomb");
        yield return Structural("bomb by count (10,001 entries)", ManyEntries(10_001), "too_many_entries");
        yield return Structural("bomb by lying header (declares 10 bytes, holds 32 MiB)",
            RawZip.Package().Add(new RawZip.Entry("small.txt"u8.ToArray(), new byte[32 * 1024 * 1024], DeclaredSize: 10)), "corrupt_entry");
        yield return Structural("duplicate entry", RawZip.Package().Add("main.py", "print('second')\n"), "duplicate_entry");
        yield return Structural("duplicate manifest", RawZip.Package().Add("baton.yaml", "name: other\nversion: 2.0.0\nentrypoint: main:run\n"), "duplicate_entry");
        yield return Structural("names differing only in case", RawZip.Package().Add("Main.py", "x"), "duplicate_entry");
        yield return Structural("a file that is also a folder", RawZip.Package().Add("lib", "x").Add("lib/mod.py", "x"), "duplicate_entry");
        yield return Structural("bad CRC",
            RawZip.Package().Add(new RawZip.Entry("data.txt"u8.ToArray(), "hello world"u8.ToArray(), Crc: 0xDEADBEEF)), "corrupt_entry");
        yield return Structural("NUL in a name", RawZip.Package().Add(new RawZip.Entry("evil\0.py"u8.ToArray(), "x"u8.ToArray())), "invalid_name");
        yield return Structural("newline in a name", RawZip.Package().Add("evil\n.py", "x"), "invalid_name");
        yield return Structural("non-UTF-8 name (UTF-8 flag set)",
            RawZip.Package().Add(new RawZip.Entry([0x65, 0xFF, 0xFE, 0x2E, 0x70, 0x79], "x"u8.ToArray())), "invalid_name");
        yield return Structural("non-UTF-8 name (no flag)",
            RawZip.Package().Add(new RawZip.Entry([0x65, 0xC3, 0x28, 0x2E, 0x70, 0x79], "x"u8.ToArray(), Utf8Flag: false)), "invalid_name");

        const string head = "name: hostile\nversion: 1.0.0\nentrypoint: main:run\n";
        yield return Manifest("YAML alias bomb in keys", head + AnchorLevels(9) + "description:\n  ? *a9\n  : boom\n");
        yield return Manifest("YAML alias bomb in values", head + AnchorLevels(9) + "x-use: [*a9, *a9, *a9]\n");
        yield return Manifest("YAML alias bomb in a default", head + AnchorLevels(9) + "parameters:\n  p:\n    type: array\n    default: *a9\n");
        yield return Manifest("YAML deep flow nesting", head + "description: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        yield return Manifest("YAML deep block nesting", head + "description:\n" + string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n");
        // Stored, not deflated: 2 MiB of one letter would otherwise be refused as a bomb by ratio first.
        yield return new HostilePackage("huge manifest (2 MiB)", new RawZip()
            .Add(new RawZip.Entry("baton.yaml"u8.ToArray(), Encoding.UTF8.GetBytes(head + "description: \"" + new string('x', 2 * 1024 * 1024) + "\"\n"), Deflate: false))
            .Add("main.py", "def run():\n    return {}\n").Build(), "manifest_invalid", UnsafeToExtract: false);
        yield return Manifest("manifest of 150,000 values", head + "capabilities:\n" + string.Concat(Enumerable.Repeat("  - a\n", 150_000)));

        yield return new HostilePackage("not a zip", Encoding.UTF8.GetBytes(new string('x', 5000)), "not_a_zip", true);
        yield return new HostilePackage("truncated zip", RawZip.Package().Build()[..^30], "not_a_zip", true);
    }

    /// <summary>Level i is a list of ten aliases of level i-1.</summary>
    public static string AnchorLevels(int levels)
    {
        var text = new StringBuilder("x-levels:\n  - &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= levels; i++) text.Append($"  - &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        return text.ToString();
    }

    private static HostilePackage Structural(string name, RawZip zip, string reason) => new(name, zip.Build(), reason, UnsafeToExtract: true);

    private static HostilePackage Manifest(string name, string manifest) => new(name, RawZip.Package(manifest).Build(), "manifest_invalid", UnsafeToExtract: false);

    private static RawZip ManyEntries(int count)
    {
        var zip = RawZip.Package();
        for (var i = 0; i < count; i++) zip.Add(new RawZip.Entry(Encoding.UTF8.GetBytes($"f/{i}.txt"), [], Deflate: false));
        return zip;
    }
}
