using Spectre.Console;
using Spectre.Console.Rendering;

namespace Baton.Cli.Output;

/// <summary>Plain tables for people. Cells are literal text, never Spectre markup.</summary>
public static class Tables
{
    public static Table Create(params string[] headers)
    {
        // kubectl-style: no borders, two spaces between columns, nothing before the first.
        var table = new Table().Border(TableBorder.None);
        foreach (var header in headers)
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))).Padding(0, 0, 2, 0));
        return table;
    }

    public static Table AddTextRow(this Table table, params string?[] cells)
    {
        table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "-")));
        return table;
    }

    /// <summary>A two-column "field: value" table for a single object; rows without a value are left out.</summary>
    public static Table Details(IEnumerable<(string Field, string? Value)> rows)
    {
        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumn(new TableColumn("field").Padding(0, 0, 2, 0));
        table.AddColumn(new TableColumn("value").Padding(0, 0, 0, 0));
        foreach (var (field, value) in rows.Where(r => r.Value is not null)) table.AddRow(new Text(field, new Style(decoration: Decoration.Bold)), new Text(value!));
        return table;
    }
}
