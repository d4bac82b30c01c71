using Spectre.Console;
using Spectre.Console.Rendering;

namespace Baton.Cli.Output;

/// <summary>Plain tables for people. Cells are literal text, never Spectre markup.</summary>
public static class Tables
{
    public static Table Create(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers) table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        return table;
    }

    public static Table AddTextRow(this Table table, params string?[] cells)
    {
        table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "-")));
        return table;
    }

    /// <summary>A two-column "field: value" table for a single object.</summary>
    public static Table Details(IEnumerable<(string Field, string? Value)> rows)
    {
        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumn(new TableColumn("field").PadRight(2));
        table.AddColumn("value");
        foreach (var (field, value) in rows) table.AddRow(new Text(field, new Style(decoration: Decoration.Bold)), new Text(value ?? "-"));
        return table;
    }
}
