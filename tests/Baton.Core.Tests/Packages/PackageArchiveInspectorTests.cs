using System.Text;
using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class PackageArchiveInspectorTests
{
    private static readonly PackageArchiveInspector Default = new(new PackageArchiveLimits());

    private static PackageInspection Inspect(TestArchive archive, PackageArchiveLimits? limits = null)
    {
        using var stream = archive.Build();
        return new PackageArchiveInspector(limits ?? new PackageArchiveLimits()).Inspect(stream);
    }

    private static void AssertRejected(PackageInspection inspection, PackageRejection rejection, string reasonPart)
    {
        Assert.False(inspection.IsValid);
        Assert.Null(inspection.Manifest);
        Assert.Equal(rejection, inspection.Rejection);
        Assert.Contains(reasonPart, inspection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_package_yields_its_manifest_and_sizes()
    {
        var inspection = Inspect(TestArchive.Hello().AddDirectory("lib").Add("lib/util.py", "X = 1\n"));
        Assert.True(inspection.IsValid, inspection.Reason);
        Assert.Equal(PackageRejection.None, inspection.Rejection);
        Assert.Null(inspection.Reason);
        Assert.Equal("hello", inspection.Manifest!.Name);
        Assert.Equal(4, inspection.EntryCount);
        Assert.Equal(TestArchive.HelloManifest.Length + "def run(inputs):\n    return {}\n".Length + "X = 1\n".Length, inspection.UncompressedBytes);
    }

    [Fact]
    public void A_module_entrypoint_may_be_a_package_folder()
    {
        var archive = new TestArchive()
            .Add("baton.yaml", "name: a\nversion: 1.0.0\nentrypoint: jobs.nightly:main\n")
            .Add("jobs/__init__.py", "")
            .Add("jobs/nightly/__init__.py", "def main(): pass\n");
        Assert.True(Inspect(archive).IsValid);
    }

    [Fact]
    public void A_script_entrypoint_and_a_requirements_file_must_exist()
    {
        const string manifest = "name: a\nversion: 1.0.0\nentrypoint: scripts/run.py\nrequirements: deps/requirements.txt\n";
        var archive = new TestArchive().Add("baton.yaml", manifest).Add("scripts/run.py", "print(1)\n");
        AssertRejected(Inspect(archive), PackageRejection.RequirementsNotFound, "'deps/requirements.txt'");
        Assert.True(Inspect(archive.Add("./deps/requirements.txt", "six\n")).IsValid);
        AssertRejected(Inspect(archive.Remove("scripts/run.py")), PackageRejection.EntrypointNotFound, "'scripts/run.py'");
    }

    [Fact]
    public void A_missing_module_names_both_places_it_looked()
    {
        var archive = TestArchive.Hello().Replace("baton.yaml", "name: a\nversion: 1.0.0\nentrypoint: app.cli:run\n");
        AssertRejected(Inspect(archive), PackageRejection.EntrypointNotFound, "'app/cli.py' or 'app/cli/__init__.py'");
    }

    [Fact]
    public void A_misspelt_entrypoint_function_is_refused_with_a_suggestion()
    {
        var archive = TestArchive.Hello()
            .Replace("baton.yaml", "name: a\nversion: 1.0.0\nentrypoint: main:rnu\n")
            .Replace("main.py", "import os\n\ndef helper():\n    pass\n\ndef run(inputs):\n    def rnu(): pass\n    return {}\n");
        AssertRejected(Inspect(archive), PackageRejection.EntrypointFunctionNotFound,
            "entrypoint 'main:rnu' names function 'rnu', which main.py does not define (did you mean 'run'?); its top-level functions: helper, run");
        Assert.Equal("entrypoint_function_not_found", PackageRejection.EntrypointFunctionNotFound.Code());
    }

    [Fact]
    public void The_function_is_looked_for_in_the_package_folder_first_and_dynamic_modules_are_accepted()
    {
        var archive = new TestArchive()
            .Add("baton.yaml", "name: a\nversion: 1.0.0\nentrypoint: jobs:main\n")
            .Add("jobs.py", "def main(): pass\n")
            .Add("jobs/__init__.py", "def other(): pass\n");
        AssertRejected(Inspect(archive), PackageRejection.EntrypointFunctionNotFound, "which jobs/__init__.py does not define");
        Assert.True(Inspect(archive.Replace("jobs/__init__.py", "from .impl import *\n")).IsValid);
        // Not UTF-8: not read, so not refused (the job would say what is wrong).
        Assert.True(Inspect(archive.Remove("jobs/__init__.py").Add("jobs/__init__.py", Encoding.Latin1.GetBytes("# -*- coding: latin-1 -*-\ns = '\u00e9'\n"))).IsValid);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 }, "not a readable zip")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0 }, "not a readable zip")]
    public void Garbage_is_not_a_zip(byte[] bytes, string reasonPart)
    {
        using var stream = new MemoryStream(bytes);
        AssertRejected(Default.Inspect(stream), PackageRejection.NotAZip, reasonPart);
    }

    [Fact]
    public void Text_is_not_a_zip()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 5000)));
        AssertRejected(Default.Inspect(stream), PackageRejection.NotAZip, "not a readable zip");
    }

    [Fact]
    public void A_truncated_zip_is_not_a_zip()
    {
        var bytes = TestArchive.Hello().Build().ToArray();
        using var stream = new MemoryStream(bytes[..(bytes.Length - 30)]);
        AssertRejected(Default.Inspect(stream), PackageRejection.NotAZip, "not a readable zip");
    }

    [Fact]
    public void A_corrupted_manifest_entry_is_refused_not_thrown()
    {
        var archive = TestArchive.Hello().Remove("baton.yaml")
            .Add("baton.yaml", Encoding.UTF8.GetBytes(TestArchive.HelloManifest), System.IO.Compression.CompressionLevel.NoCompression);
        var bytes = archive.Build().ToArray();
        var at = bytes.AsSpan().IndexOf("entrypoint"u8);
        Assert.True(at > 0);
        bytes[at] = (byte)'E';
        using var stream = new MemoryStream(bytes);
        // The flipped byte turns the field into an unknown one; the point is a refusal, not an exception.
        AssertRejected(Default.Inspect(stream), PackageRejection.ManifestInvalid, "Entrypoint: unknown field");
    }

    [Fact]
    public void An_archive_over_the_size_cap_is_refused_before_reading()
    {
        var archive = TestArchive.Hello().Add("data.bin", RandomBytes(64 * 1024));
        AssertRejected(Inspect(archive, new PackageArchiveLimits { MaxArchiveBytes = 32 * 1024 }), PackageRejection.TooLarge, "limit is 32,768");
    }

    [Fact]
    public void A_forward_only_stream_is_read_up_to_the_cap()
    {
        var bytes = TestArchive.Hello().Add("data.bin", RandomBytes(64 * 1024)).Build().ToArray();
        Assert.True(Default.Inspect(new ForwardOnlyStream(new MemoryStream(bytes))).IsValid);
        var small = new PackageArchiveInspector(new PackageArchiveLimits { MaxArchiveBytes = 32 * 1024 });
        AssertRejected(small.Inspect(new ForwardOnlyStream(new MemoryStream(bytes))), PackageRejection.TooLarge, "32,768");
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        var archive = TestArchive.Hello();
        for (var i = 0; i < 10; i++) archive.Add($"f{i}.txt", "x");
        AssertRejected(Inspect(archive, new PackageArchiveLimits { MaxEntries = 11 }), PackageRejection.TooManyEntries, "12 entries; the limit is 11");
        Assert.True(Inspect(archive, new PackageArchiveLimits { MaxEntries = 12 }).IsValid);
    }

    [Theory]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("C:\\Windows\\evil.dll")]
    [InlineData("c:/evil.py")]
    [InlineData("\\\\server\\share\\evil.py")]
    [InlineData("\\evil.py")]
    public void Absolute_entry_names_are_refused(string name) =>
        AssertRejected(Inspect(TestArchive.Hello().Add(name, "x")), PackageRejection.AbsolutePath, $"'{name}'");

    [Theory]
    [InlineData("../evil.py")]
    [InlineData("a/../../evil.py")]
    [InlineData("..\\evil.py")]
    [InlineData("a\\..\\..\\evil.py")]
    [InlineData("..")]
    public void Entry_names_escaping_the_root_are_refused(string name) =>
        AssertRejected(Inspect(TestArchive.Hello().Add(name, "x")), PackageRejection.PathEscapesRoot, $"'{name}'");

    [Fact]
    public void Dot_dot_is_refused_even_when_it_stays_inside_the_root() =>
        // The agent extracts by the same rule; an archive one side accepts and the other refuses helps nobody.
        AssertRejected(Inspect(TestArchive.Hello().Add("a/../b.txt", "x")), PackageRejection.PathEscapesRoot, "'..' segment");

    [Fact]
    public void Symlinks_are_refused() =>
        AssertRejected(Inspect(TestArchive.Hello().AddSymlink("secrets", "/etc/shadow")), PackageRejection.Symlink, "'secrets'");

    [Fact]
    public void An_entry_that_compresses_beyond_the_ratio_is_a_bomb()
    {
        // 4 MiB of zeros deflates to a few KiB: ~1000:1.
        var archive = TestArchive.Hello().Add("zeros.bin", new byte[4 * 1024 * 1024]);
        AssertRejected(Inspect(archive), PackageRejection.ZipBomb, "entry 'zeros.bin' compresses");
        Assert.True(Inspect(archive, new PackageArchiveLimits { MaxCompressionRatio = 5000 }).IsValid);
    }

    [Fact]
    public void Many_small_entries_that_compress_too_well_together_are_a_bomb()
    {
        var archive = TestArchive.Hello();
        for (var i = 0; i < 8; i++) archive.Add($"zeros{i}.bin", new byte[512 * 1024]);
        AssertRejected(Inspect(archive), PackageRejection.ZipBomb, "overall");
    }

    [Fact]
    public void The_total_uncompressed_size_is_capped()
    {
        var archive = TestArchive.Hello().Add("a.bin", RandomBytes(600 * 1024)).Add("b.bin", RandomBytes(600 * 1024));
        AssertRejected(Inspect(archive, new PackageArchiveLimits { MaxUncompressedBytes = 1024 * 1024 }), PackageRejection.ZipBomb, "'b.bin'");
    }

    [Fact]
    public void The_manifest_must_be_at_the_root_not_in_a_wrapping_folder()
    {
        var archive = new TestArchive().Add("hello/baton.yaml", TestArchive.HelloManifest).Add("hello/main.py", "");
        AssertRejected(Inspect(archive), PackageRejection.ManifestMissing, "it is at 'hello/baton.yaml' (zip the folder's contents");
    }

    [Theory]
    [InlineData("baton.yml")]
    [InlineData("Baton.yaml")]
    public void A_misnamed_manifest_is_pointed_out(string name)
    {
        var archive = TestArchive.Hello().Remove("baton.yaml").Add(name, TestArchive.HelloManifest);
        AssertRejected(Inspect(archive), PackageRejection.ManifestMissing, $"found '{name}'");
    }

    [Fact]
    public void No_manifest_at_all_is_missing() =>
        AssertRejected(Inspect(new TestArchive().Add("main.py", "")), PackageRejection.ManifestMissing, "no baton.yaml at the archive root");

    [Fact]
    public void An_invalid_manifest_lists_every_error()
    {
        var archive = TestArchive.Hello().Replace("baton.yaml", "name: Hello\nversion: one\nentrypoint: main:run\n");
        AssertRejected(Inspect(archive), PackageRejection.ManifestInvalid, "baton.yaml is invalid: name: 'Hello' is not a valid package name");
        AssertRejected(Inspect(archive), PackageRejection.ManifestInvalid, "; version: 'one' is not a semantic version");
    }

    [Fact]
    public void A_manifest_over_one_mebibyte_is_refused()
    {
        var padding = "# " + Convert.ToBase64String(RandomBytes(800 * 1024)) + "\n";
        var archive = TestArchive.Hello().Replace("baton.yaml", TestArchive.HelloManifest + padding);
        AssertRejected(Inspect(archive), PackageRejection.ManifestInvalid, "larger than 1,048,576 bytes");
    }

    [Fact]
    public void A_manifest_must_be_utf8_and_may_start_with_a_bom()
    {
        var latin1 = TestArchive.Hello().Remove("baton.yaml").Add("baton.yaml", [.. Encoding.Latin1.GetBytes(TestArchive.HelloManifest + "description: caf\u00e9\n")]);
        AssertRejected(Inspect(latin1), PackageRejection.ManifestInvalid, "not UTF-8");
        var bom = TestArchive.Hello().Remove("baton.yaml").Add("baton.yaml", [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(TestArchive.HelloManifest)]);
        Assert.True(Inspect(bom).IsValid);
    }

    [Fact]
    public void Two_manifests_are_refused() =>
        AssertRejected(Inspect(TestArchive.Hello().Add("./baton.yaml", TestArchive.HelloManifest)), PackageRejection.DuplicateEntry, "more than once");

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
