using System.Text;
using Npgsql;

namespace Baton.Server.Tests.Secrets;

/// <summary>Counts where a text appears anywhere in a database: what "never stored in clear" is checked against.</summary>
internal static class DatabaseScan
{
    /// <summary>The SQLite database file and its write-ahead log, byte for byte (a checkpoint may not have run yet).</summary>
    public static int CountInSqlite(string dataDirectory, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var count = 0;
        foreach (var file in Directory.GetFiles(dataDirectory, "baton.db*"))
        {
            var bytes = File.ReadAllBytes(file);
            for (var at = bytes.AsSpan().IndexOf(needle); at >= 0;)
            {
                count++;
                var next = bytes.AsSpan(at + 1).IndexOf(needle);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }
        return count;
    }

    /// <summary>Every row of every table (partitions included, through their parents), as text, as the owner in the system scope.</summary>
    public static async Task<int> CountInPostgresAsync(string ownerConnectionString, string text, string mustHaveTable)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var system = new NpgsqlCommand("SELECT set_config('baton.system', 'on', true);", connection, transaction))
        {
            await system.ExecuteNonQueryAsync();
        }
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition;",
            connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        Assert.Contains(mustHaveTable, tables);
        var count = 0L;
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table}\" t WHERE strpos(t::text, @text) > 0;", connection, transaction);
            search.Parameters.AddWithValue("text", text);
            count += (long)(await search.ExecuteScalarAsync())!;
        }
        return (int)count;
    }
}
