using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;

namespace Baton.Storage;

/// <summary>Numbered migration scripts embedded in this assembly (<c>NNN_description.sql</c>), one folder per dialect.</summary>
internal static partial class MigrationScripts
{
    /// <summary>The scripts under <paramref name="resourcePrefix"/>, ordered by their number; gaps allowed, duplicates refused.</summary>
    public static IReadOnlyList<(int Version, string Script)> Load(string resourcePrefix)
    {
        var assembly = typeof(MigrationScripts).Assembly;
        var scripts = new List<(int Version, string Script)>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(resourcePrefix, StringComparison.Ordinal)) continue;
            var match = ScriptName().Match(name[resourcePrefix.Length..]);
            if (!match.Success) throw new InvalidOperationException($"Migration resource '{name}' is not named NNN_description.sql.");
            var version = int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture);
            scripts.Add((version, ReadResource(assembly, name)));
        }
        if (scripts.GroupBy(script => script.Version).FirstOrDefault(same => same.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Two migrations share version {twice.Key}.");
        }
        return [.. scripts.OrderBy(script => script.Version)];
    }

    /// <summary>
    /// Applies the <paramref name="scripts"/> not yet recorded in <c>schema_migrations</c> (created by
    /// <paramref name="createTable"/> when missing) in order, in <paramref name="transaction"/>, recording each as applied at
    /// <paramref name="appliedAt"/>; answers the versions it applied.
    /// </summary>
    public static async Task<IReadOnlyList<int>> ApplyAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(int Version, string Script)> scripts, string createTable, object appliedAt,
        CancellationToken cancellationToken)
    {
        CommandDefinition Command(string sql, object? parameters = null) => new(sql, parameters, transaction, cancellationToken: cancellationToken);
        await connection.ExecuteAsync(Command(createTable));
        var applied = (await connection.QueryAsync<long>(Command("SELECT version FROM schema_migrations;"))).ToHashSet();
        var newlyApplied = new List<int>();
        foreach (var (version, script) in scripts.Where(script => !applied.Contains(script.Version)))
        {
            await connection.ExecuteAsync(Command(script));
            await connection.ExecuteAsync(Command("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at);", new { version, at = appliedAt }));
            newlyApplied.Add(version);
        }
        return newlyApplied;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Migration resource '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(?<version>\d+)_[A-Za-z0-9_\-]+\.sql$")]
    private static partial Regex ScriptName();
}
