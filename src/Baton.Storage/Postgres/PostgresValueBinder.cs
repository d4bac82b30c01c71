using System.Data;
using Baton.Storage.Relational;
using Npgsql;
using NpgsqlTypes;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL keeps times as <c>timestamptz</c> (UTC), JSON as <c>jsonb</c> and lists as arrays; nulls are typed too.</summary>
internal sealed class PostgresValueBinder : IValueBinder
{
    public void BindTime(IDbDataParameter parameter, DateTimeOffset? value) =>
        Bind(parameter, NpgsqlDbType.TimestampTz, value?.UtcDateTime);

    public void BindJson(IDbDataParameter parameter, string? json) => Bind(parameter, NpgsqlDbType.Jsonb, json);

    public void BindTextList(IDbDataParameter parameter, IReadOnlyList<string>? items) =>
        Bind(parameter, NpgsqlDbType.Array | NpgsqlDbType.Text, items?.ToArray());

    public void BindValueList(IDbDataParameter parameter, Array items)
    {
        var element = items.GetType().GetElementType()!;
        element = Nullable.GetUnderlyingType(element) ?? element;
        if (element != typeof(DateTimeOffset))
        {
            Bind(parameter, NpgsqlDbType.Array | ElementTypes[element], items);
            return;
        }
        var times = items.Cast<DateTimeOffset?>().Select(time => time is { } t ? StoredValues.Truncate(t).UtcDateTime : (DateTime?)null);
        Bind(parameter, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, times.ToArray());
    }

    private static readonly Dictionary<Type, NpgsqlDbType> ElementTypes = new()
    {
        [typeof(string)] = NpgsqlDbType.Text,
        [typeof(int)] = NpgsqlDbType.Integer,
        [typeof(long)] = NpgsqlDbType.Bigint,
        [typeof(short)] = NpgsqlDbType.Smallint,
        [typeof(bool)] = NpgsqlDbType.Boolean,
    };

    private static void Bind(IDbDataParameter parameter, NpgsqlDbType type, object? value)
    {
        var npgsql = (NpgsqlParameter)parameter;
        npgsql.NpgsqlDbType = type;
        npgsql.Value = value ?? DBNull.Value;
    }
}
