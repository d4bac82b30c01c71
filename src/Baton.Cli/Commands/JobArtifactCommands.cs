using System.CommandLine;
using System.Security.Cryptography;
using Baton.Cli.Output;
using Baton.Core.Api;
using Baton.Core.Jobs;

namespace Baton.Cli.Commands;

/// <summary><c>baton job artifacts ID</c> and <c>baton job download ID NAME [-o FILE]</c>.</summary>
public static class JobArtifactCommands
{
    public static Command List(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var command = new Command("artifacts", "List the files a job saved (baton.save_artifact or $BATON_ARTIFACTS)") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var artifacts = await api.ListArtifactsAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, artifacts);
                return 0;
            }
            if (artifacts.Items.Count == 0)
            {
                context.Out.WriteLine("No artifacts.");
                return 0;
            }
            var table = Tables.Create("NAME", "SIZE", "ATTEMPT", "SAVED", "SHA256");
            foreach (var a in artifacts.Items)
                table.AddTextRow(a.Name, Humanize.Bytes(a.SizeBytes), a.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    a.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture), a.Sha256[..12]);
            context.Console.Write(table);
            return 0;
        });
    }

    public static Command Download(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var name = CommandActions.RequiredArgument("name", "The artifact's name (as `baton job artifacts` lists it)");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write it (default: the name's last part, in this folder)" };
        var command = new Command("download", "Download one artifact of a job; its SHA-256 is checked") { id, name, output };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var artifactName = parse.GetValue(name)!;
            if (ArtifactNames.Check(artifactName) is { } reason) throw new CliException($"'{artifactName}' is not an artifact name: {reason}.");
            var jobId = parse.GetValue(id)!;
            var target = parse.GetValue(output)?.FullName ?? Path.GetFullPath(ArtifactNames.FileNameOf(artifactName));
            var partial = target + ".partial";
            string? expected;
            string actual;
            try
            {
                await using (var file = File.Create(partial))
                {
                    expected = await api.DownloadArtifactAsync(jobId, artifactName, file, ct);
                }
                await using (var written = File.OpenRead(partial))
                {
                    actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(written, ct));
                }
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
            if (expected is not null && !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new CliException($"the download of '{artifactName}' was damaged (SHA-256 {actual}, the server stored {expected}); nothing was written.");
            }
            File.Move(partial, target, overwrite: true);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, new DownloadedArtifactJson(target, actual));
            else context.Out.WriteLine(target);
            return 0;
        });
    }

    /// <summary><c>job artifact download --json</c>: where the file went and its checked SHA-256.</summary>
    internal sealed record DownloadedArtifactJson(string Path, string Sha256);
}
