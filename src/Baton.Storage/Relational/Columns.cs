namespace Baton.Storage.Relational;

/// <summary>
/// A row type's statement fragments, built once from its one column list, so a column is named in one place. A column's
/// property is its name in Pascal case (<c>next_fire_at</c> is <c>NextFireAt</c>): what Dapper reads into and binds from.
/// </summary>
internal static class Columns
{
    /// <summary>A select list: <c>id AS Id, tenant_id AS TenantId</c>; a qualified column (<c>d.id</c>) keeps its table.</summary>
    public static string Select(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => $"{column} AS {Property(column)}"));

    /// <summary>An insert's column list: <c>id, tenant_id</c>.</summary>
    public static string Names(IEnumerable<string> columns) => string.Join(", ", columns);

    /// <summary>An insert's values, the row's properties: <c>@Id, @TenantId</c>.</summary>
    public static string Values(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => "@" + Property(column)));

    /// <summary>An update's <c>SET</c> list from the row's properties: <c>name = @Name, priority = @Priority</c>.</summary>
    public static string Set(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => $"{column} = @{Property(column)}"));

    /// <summary>An upsert's <c>SET</c> list that takes the inserted row's values: <c>name = excluded.name</c>.</summary>
    public static string Excluded(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => $"{column} = excluded.{column}"));

    /// <summary>A column's property: <c>next_fire_at</c> (or <c>s.next_fire_at</c>) is <c>NextFireAt</c>.</summary>
    public static string Property(string column) =>
        string.Concat(column[(column.IndexOf('.', StringComparison.Ordinal) + 1)..].Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}
