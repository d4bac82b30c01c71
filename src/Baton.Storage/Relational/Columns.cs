using Dapper;

namespace Baton.Storage.Relational;

/// <summary>
/// A row type's statement fragments, built once from its one column list, so a column is named in one place. A column's
/// property is its name in Pascal case (<c>next_fire_at</c> is <c>NextFireAt</c>): what Dapper reads into and binds from.
/// </summary>
internal static class Columns
{
    /// <summary>
    /// A select list: <c>id AS Id, tenant_id AS TenantId</c>; a qualified column (<c>d.id</c>) keeps its table. An entry may
    /// name its property (<c>state AS StoredState</c>): the record's stored form of a value the column keeps as text.
    /// </summary>
    public static string Select(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => $"{Column(column)} AS {Property(column)}"));

    /// <summary>An insert's column list: <c>id, tenant_id</c>.</summary>
    public static string Names(IEnumerable<string> columns) => string.Join(", ", columns.Select(Column));

    /// <summary>An insert's values, the row's properties: <c>@Id, @TenantId</c>.</summary>
    public static string Values(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => "@" + Property(column)));

    /// <summary>An update's <c>SET</c> list from the row's properties: <c>name = @Name, priority = @Priority</c>.</summary>
    public static string Set(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => $"{Column(column)} = @{Property(column)}"));

    /// <summary>An upsert's <c>SET</c> list that takes the inserted row's values: <c>name = excluded.name</c>.</summary>
    public static string Excluded(IEnumerable<string> columns) => string.Join(", ", columns.Select(Column).Select(column => $"{column} = excluded.{column}"));

    /// <summary>An entry's column: <c>state</c> of <c>state AS StoredState</c>.</summary>
    private static string Column(string entry) => entry.Split(" AS ")[0];

    /// <summary>An entry's property: <c>next_fire_at</c> (or <c>s.next_fire_at</c>) is <c>NextFireAt</c>, <c>state AS StoredState</c> <c>StoredState</c>.</summary>
    public static string Property(string column) => column.Split(" AS ") is [_, var property] ? property :
        string.Concat(column[(column.IndexOf('.', StringComparison.Ordinal) + 1)..].Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}

/// <summary>
/// A column a batch statement writes from one list parameter (<see cref="SqlDialect.RowsOf"/>): its name, its list
/// parameter (without @), how a row's value is listed, and, where a statement casts the list, the list's element type as
/// PostgreSQL names it (<c>json</c>: JSON text, stored as <c>jsonb</c>).
/// </summary>
internal sealed record BatchColumn<TRow>(string Column, string List, Func<IEnumerable<TRow>, ValueList> Values, string? Type = null)
{
    public static BatchColumn<TRow> Of<T>(string column, string list, Func<TRow, T> value, string? type = null) =>
        new(column, list, rows => ValueList.Of(rows.Select(value)), type);
}

/// <summary>What a batch statement takes from its <see cref="BatchColumn{TRow}"/> list.</summary>
internal static class BatchColumns
{
    /// <summary>The columns as an insert names them, each after <paramref name="alias"/> and a dot when given.</summary>
    public static string Names<TRow>(IEnumerable<BatchColumn<TRow>> columns, string? alias = null) =>
        Columns.Names(columns.Select(column => alias is null ? column.Column : $"{alias}.{column.Column}"));

    /// <summary>The (list parameter, column) pairs <see cref="SqlDialect.RowsOf"/> takes.</summary>
    public static (string Parameter, string Column)[] Lists<TRow>(IEnumerable<BatchColumn<TRow>> columns) =>
        [.. columns.Select(column => (column.List, column.Column))];

    /// <summary>The statement's parameters: each column's list of <paramref name="rows"/>, and <paramref name="others"/>.</summary>
    public static DynamicParameters Parameters<TRow>(IEnumerable<BatchColumn<TRow>> columns, IReadOnlyList<TRow> rows, object others)
    {
        var parameters = new DynamicParameters(others);
        foreach (var column in columns) parameters.Add(column.List, column.Values(rows));
        return parameters;
    }
}
