using System.Data;
using Baton.Storage.Relational;
using Baton.Storage.Serialization;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite keeps times as unix milliseconds (compact, and they sort right) and lists as JSON text.</summary>
internal sealed class SqliteValueBinder : IValueBinder
{
    public void BindTime(IDbDataParameter parameter, DateTimeOffset? value) =>
        Bind(parameter, DbType.Int64, value is { } time ? time.ToUnixTimeMilliseconds() : null);

    public void BindJson(IDbDataParameter parameter, string? json) => Bind(parameter, DbType.String, json);

    public void BindTextList(IDbDataParameter parameter, IReadOnlyList<string>? items) =>
        Bind(parameter, DbType.String, items is null ? null : StoredJson.Serialize(items));

    // Flags become JSON true and false, which json_each reads as 1 and 0.
    public void BindValueList(IDbDataParameter parameter, Array items) =>
        Bind(parameter, DbType.String, StoredJson.Serialize(items.Cast<object?>().Select(item => item is DateTimeOffset time ? time.ToUnixTimeMilliseconds() : item)));

    private static void Bind(IDbDataParameter parameter, DbType type, object? value)
    {
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
    }
}
