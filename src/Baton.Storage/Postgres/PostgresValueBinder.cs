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

    public void BindTimeList(IDbDataParameter parameter, IReadOnlyList<DateTimeOffset>? items) =>
        Bind(parameter, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, items?.Select(time => time.UtcDateTime).ToArray());

    public void BindNumberList(IDbDataParameter parameter, IReadOnlyList<long>? items) =>
        Bind(parameter, NpgsqlDbType.Array | NpgsqlDbType.Bigint, items?.ToArray());

    private static void Bind(IDbDataParameter parameter, NpgsqlDbType type, object? value)
    {
        var npgsql = (NpgsqlParameter)parameter;
        npgsql.NpgsqlDbType = type;
        npgsql.Value = value ?? DBNull.Value;
    }
}
