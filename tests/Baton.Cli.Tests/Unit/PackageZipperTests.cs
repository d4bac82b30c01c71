using System.IO.Compression;
using System.Security.Cryptography;
using Baton.Cli.Packaging;

namespace Baton.Cli.Tests.Unit;

public sealed class PackageZipperTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-zip-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string relative, string content = "x")
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public void Excluded_folders_and_compiled_python_are_left_out_at_any_depth()
    {
        Write("baton.yaml", "name: hello");
        Write("main.py");
        Write("lib/util.py");
        Write("lib/util.pyc");
        Write("lib/__pycache__/util.cpython-312.pyc");
        Write("__pycache__/main.cpython-312.pyc");
        Write(".git/HEAD");
        Write(".venv/bin/python");
        Write("web/node_modules/left-pad/index.js");
        Write("web/app.js");
        Write(".gitignore");

        var entries = PackageZipper.ListEntries(_folder);

        Assert.Equal([".gitignore", "baton.yaml", "lib/util.py", "main.py", "web/app.js"], entries);
    }

    [Fact]
    public void Entries_use_forward_slashes_and_ordinal_order()
    {
        Write("b/z.py");
        Write("B/a.py");
        Write("a.py");
        Write("b/a/deep/x.py");

        var entries = PackageZipper.ListEntries(_folder);

        Assert.Equal(["B/a.py", "a.py", "b/a/deep/x.py", "b/z.py"], entries);
        Assert.DoesNotContain(entries, e => e.Contains('\\', StringComparison.Ordinal));
    }

    [Fact]
    public void The_zip_holds_the_files_with_their_content()
    {
        Write("baton.yaml", "name: hello\n");
        Write("pkg/main.py", "print('hi')\n");
        Write("pkg/main.pyc", "compiled");

        using var zip = new MemoryStream();
        var count = PackageZipper.WriteZip(_folder, zip);
        zip.Position = 0;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read);

        Assert.Equal(2, count);
        Assert.Equal(["baton.yaml", "pkg/main.py"], archive.Entries.Select(e => e.FullName));
        using var reader = new StreamReader(archive.GetEntry("pkg/main.py")!.Open());
        Assert.Equal("print('hi')\n", reader.ReadToEnd());
    }

    [Fact]
    public void Zipping_the_same_folder_twice_gives_identical_bytes_even_after_touching_files()
    {
        Write("baton.yaml", "name: hello\n");
        Write("main.py", "print('hi')\n");
        Write("lib/a.py", "A = 1\n");

        var first = ZipHash();
        File.SetLastWriteTimeUtc(Path.Combine(_folder, "main.py"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        var second = ZipHash();

        Assert.Equal(first, second);
    }

    [Fact]
    public void A_missing_folder_is_reported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => PackageZipper.ListEntries(Path.Combine(_folder, "nope")));
    }

    private string ZipHash()
    {
        using var zip = new MemoryStream();
        PackageZipper.WriteZip(_folder, zip);
        return Convert.ToHexString(SHA256.HashData(zip.ToArray()));
    }
}
