using System.Globalization;
using System.Text;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>The audit log's columns and its filtered, newest-first query.</summary>
internal static class AuditSql
{
    public const string InsertColumns =
        "tenant_id, at, actor_type, actor_key_id, actor_tenant_id, actor_role, actor_system_admin, action, target_type, target_id, source_address, summary";

    public const string Select =
        "id AS Id, tenant_id AS TenantId, at AS At, actor_type AS ActorType, actor_key_id AS ActorKeyId, actor_tenant_id AS ActorTenantId, " +
        "actor_role AS ActorRole, actor_system_admin AS ActorSystemAdmin, action AS Action, target_type AS TargetType, target_id AS TargetId, " +
        "source_address AS SourceAddress, summary AS Summary";

    /// <summary>The SELECT for <paramref name="query"/>, newest first.</summary>
    public static (string Sql, DynamicParameters Parameters) Query(AuditQuery query)
    {
        var sql = new StringBuilder($"SELECT {Select} FROM audit_log WHERE 1 = 1");
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
            parameters.Add("since", since);
        }
        if (query.Until is { } until)
        {
            sql.Append(" AND at < @until");
            parameters.Add("until", until);
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id DESC LIMIT {Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit)};");
        return (sql.ToString(), parameters);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
