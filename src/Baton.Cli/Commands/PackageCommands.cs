using System.CommandLine;
using Baton.Cli.Output;
using Baton.Cli.Packaging;
using Baton.Core.Api;
using Baton.Core.Packages;

namespace Baton.Cli.Commands;

/// <summary><c>baton package push|list|show|download|delete</c>.</summary>
public static class PackageCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var package = new Command("package", "Python automation packages (a folder with baton.yaml, uploaded as a zip)");
        package.Subcommands.Add(PushCommand(context, globals));
        package.Subcommands.Add(ListCommand(context, globals));
        package.Subcommands.Add(ShowCommand(context, globals));
        package.Subcommands.Add(DownloadCommand(context, globals));
        package.Subcommands.Add(DeleteCommand(context, globals));
        return package;
    }

    private static Command PushCommand(CliContext context, GlobalOptions globals)
    {
        var path = CommandActions.RequiredArgument("path", "A package folder (zipped without .git, __pycache__, *.pyc, .venv, node_modules) or a .zip");
        var command = new Command("push", "Upload a package version; re-uploading identical content is harmless") { path };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var json = globals.IsJson(parse);
            var source = parse.GetValue(path)!;
            await using var zip = OpenPackageZip(source, out var description);
            if (!json) context.Error.WriteLine($"Uploading {description} ({Humanize.Bytes(zip.Length)}) to {api.ServerText}…");
            var uploaded = await Activity.WithProgressAsync(context, json, "Uploading", zip.Length,
                progress => api.UploadPackageAsync(zip, progress, ct));
            if (json)
            {
                JsonOutput.Write(context.Out, uploaded);
                return 0;
            }
            var p = uploaded.Package;
            context.Console.Write(Tables.Details(
            [
                ("Name", p.Name),
                ("Version", p.Version),
                ("SHA-256", p.Sha256),
                ("Size", Humanize.Bytes(p.SizeBytes)),
                ("Status", uploaded.Created ? "created" : "already present (identical content, nothing changed)"),
            ]));
            return 0;
        });
    }

    /// <summary>A readable stream of the zip to upload: the file itself, or a folder zipped into a self-deleting temp file.</summary>
    private static FileStream OpenPackageZip(string source, out string description)
    {
        if (File.Exists(source))
        {
            description = Path.GetFileName(source);
            return File.OpenRead(source);
        }
        if (!Directory.Exists(source)) throw new CliException($"{source}: no such file or folder.");
        // Said before zipping and uploading (which could be large): the server would refuse it for the same reason.
        if (!File.Exists(Path.Combine(source, "baton.yaml")))
            throw new CliException($"{source} has no baton.yaml at its root: a package folder needs one (name, version, entrypoint; see README \"Packages\").");
        var temp = new FileStream(Path.Combine(Path.GetTempPath(), $"baton-package-{Guid.NewGuid():N}.zip"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            var count = PackageZipper.WriteZip(source, temp);
            if (count == 0) throw new CliException($"{source} holds no files to package.");
            temp.Position = 0;
            if (ContentRefusal(temp) is { } reason) throw new CliException($"{source} is refused before uploading: {reason}.");
            temp.Position = 0;
            description = $"{Path.GetFileName(Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar))}/ ({count} files)";
            return temp;
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The server's own inspection, run locally so a manifest error or a misspelt entrypoint (<c>hello:mian</c>) is
    /// said before a possibly long upload. Only content faults count here: size caps are the server's to set.
    /// </summary>
    private static string? ContentRefusal(Stream zip)
    {
        var inspection = new PackageArchiveInspector(new PackageArchiveLimits()).Inspect(zip);
        return inspection.Rejection is PackageRejection.ManifestInvalid or PackageRejection.EntrypointNotFound
            or PackageRejection.EntrypointFunctionNotFound or PackageRejection.RequirementsNotFound
            ? inspection.Reason
            : null;
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List packages with their latest version").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var packages = await api.ListPackagesAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, packages);
                return 0;
            }
            if (packages.Items.Count == 0)
            {
                context.Out.WriteLine("No packages. Upload one with `baton package push FOLDER`.");
                return 0;
            }
            var table = Tables.Create("NAME", "LATEST", "VERSIONS", "UPDATED");
            foreach (var p in packages.Items) table.AddTextRow(p.Name, p.LatestVersion, p.VersionCount.ToString(), Humanize.Timestamp(p.UpdatedAt, context.Zone));
            context.Console.Write(table);
            return 0;
        });

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The package name");
        var version = CommandActions.OptionalArgument("version", "A version; without it, all versions are listed");
        var command = new Command("show", "Show a package's versions, or one version's manifest") { name, version };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var json = globals.IsJson(parse);
            if (parse.GetValue(version) is { } v)
            {
                var package = await api.GetPackageVersionAsync(parse.GetValue(name)!, v, ct);
                if (json) JsonOutput.Write(context.Out, package);
                else PackagePrinter.Print(context, package);
                return 0;
            }
            var versions = await api.ListPackageVersionsAsync(parse.GetValue(name)!, ct);
            if (json)
            {
                JsonOutput.Write(context.Out, versions);
                return 0;
            }
            var table = Tables.Create("VERSION", "SHA-256", "SIZE", "ENTRYPOINT", "CREATED");
            foreach (var p in versions.Items)
                table.AddTextRow(p.Version, p.Sha256[..Math.Min(12, p.Sha256.Length)], Humanize.Bytes(p.SizeBytes), p.Manifest.Entrypoint.ToString(), Humanize.Timestamp(p.CreatedAt, context.Zone));
            context.Console.Write(table);
            return 0;
        });
    }

    private static Command DownloadCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The package name");
        var version = CommandActions.RequiredArgument("version", "The version");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the zip (default: NAME-VERSION.zip)" };
        var command = new Command("download", "Download a package version's zip") { name, version, output };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var target = parse.GetValue(output)?.FullName ?? Path.GetFullPath($"{parse.GetValue(name)}-{parse.GetValue(version)}.zip");
            var partial = target + ".partial";
            await using (var file = File.Create(partial))
            {
                await api.DownloadPackageAsync(parse.GetValue(name)!, parse.GetValue(version)!, file, ct);
            }
            File.Move(partial, target, overwrite: true);
            context.Out.WriteLine(target);
            return 0;
        });
    }

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The package name");
        var version = CommandActions.RequiredArgument("version", "The version to delete");
        var command = new Command("delete", "Delete a package version (refused while pending jobs use it)") { name, version };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            await api.DeletePackageAsync(parse.GetValue(name)!, parse.GetValue(version)!, ct);
            context.Out.WriteLine($"Deleted {parse.GetValue(name)} {parse.GetValue(version)}.");
            return 0;
        });
    }
}
