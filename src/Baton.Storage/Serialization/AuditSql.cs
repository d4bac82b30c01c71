using System.Globalization;
using System.Text;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Serialization;

/// <summary>The audit log's query text, shared by both dialects (they differ only in how a time is passed and how JSON reads back).</summary>
internal static class AuditSql
{
    public const string InsertColumns =
        "tenant_id, at, actor_type, actor_key_id, actor_tenant_id, actor_role, actor_system_admin, action, target_type, target_id, source_address, summary";

    public static string Columns(string summaryAsText) =>
        "id AS Id, tenant_id AS TenantId, at AS At, actor_type AS ActorType, actor_key_id AS ActorKeyId, actor_tenant_id AS ActorTenantId, " +
        "actor_role AS ActorRole, actor_system_admin AS ActorSystemAdmin, action AS Action, target_type AS TargetType, target_id AS TargetId, " +
        $"source_address AS SourceAddress, {summaryAsText} AS Summary";

    /// <summary>The SELECT for <paramref name="query"/>, newest first; <paramref name="toDb"/> converts a time to the dialect's parameter.</summary>
    public static (string Sql, DynamicParameters Parameters) Select(AuditQuery query, string columns, Func<DateTimeOffset, object> toDb)
    {
        var sql = new StringBuilder($"SELECT {columns} FROM audit_log WHERE 1 = 1");
        var parameters = new DynamicParameters();
        if (query.TenantId is not null)
        {
            sql.Append(" AND tenant_id = @tenantId");
            parameters.Add("tenantId", query.TenantId);
        }
        if (query.Before is { } before)
        {
            sql.Append(" AND id < @before");
            parameters.Add("before", before);
        }
        if (query.Action is { } action)
        {
            if (action.EndsWith(".*", StringComparison.Ordinal))
            {
                sql.Append(" AND action LIKE @actionPrefix ESCAPE '\\'");
                parameters.Add("actionPrefix", EscapeLike(action[..^1]) + "%");
            }
            else
            {
                sql.Append(" AND action = @action");
                parameters.Add("action", action);
            }
        }
        if (query.ActorKeyId is not null)
        {
            sql.Append(" AND actor_key_id = @actorKeyId");
            parameters.Add("actorKeyId", query.ActorKeyId);
        }
        if (query.TargetType is not null)
        {
            sql.Append(" AND target_type = @targetType");
            parameters.Add("targetType", query.TargetType);
        }
        if (query.TargetId is not null)
        {
            sql.Append(" AND target_id = @targetId");
            parameters.Add("targetId", query.TargetId);
        }
        if (query.Since is { } since)
        {
            sql.Append(" AND at >= @since");
            parameters.Add("since", toDb(since));
        }
        if (query.Until is { } until)
        {
            sql.Append(" AND at < @until");
            parameters.Add("until", toDb(until));
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id DESC LIMIT {Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit)};");
        return (sql.ToString(), parameters);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
