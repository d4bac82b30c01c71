using Baton.Core.Api;

namespace Baton.Cli.Output;

/// <summary>One package version for people: identity, manifest, then its input parameters.</summary>
public static class PackagePrinter
{
    public static void Print(CliContext context, PackageVersionDto package)
    {
        var m = package.Manifest;
        context.Console.Write(Tables.Details(
        [
            ("Name", package.Name),
            ("Version", package.Version),
            ("Description", m.Description),
            ("SHA-256", package.Sha256),
            ("Size", Humanize.Bytes(package.SizeBytes)),
            ("Created", Humanize.Timestamp(package.CreatedAt, context.Zone)),
            ("Entrypoint", m.Entrypoint.ToString()),
            ("Python", m.Python ?? "any 3.x"),
            ("Requirements", m.Requirements),
            ("Capabilities", m.Capabilities.Count == 0 ? null : string.Join(", ", m.Capabilities)),
            ("Timeout", Humanize.Duration(TimeSpan.FromSeconds(m.TimeoutSeconds))),
            ("Max attempts", m.MaxAttempts.ToString()),
        ]));
        if (m.Parameters.Count == 0) return;
        var table = Tables.Create("PARAMETER", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION");
        foreach (var (name, spec) in m.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddTextRow(name, spec.Type.ToString().ToLowerInvariant(), spec.Required ? "yes" : "no",
                spec.Default?.GetRawText(), spec.Description);
        }
        context.Console.Write(table);
    }
}
