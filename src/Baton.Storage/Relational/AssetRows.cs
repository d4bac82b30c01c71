using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>assets</c>, as both backends read it.</summary>
internal sealed class AssetRow
{
    public const string Select =
        "tenant_id AS TenantId, name AS Name, type AS Type, queue AS Queue, agent_group AS AgentGroup, description AS Description, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt";

    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string? Queue { get; set; }
    public string? AgentGroup { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The record with its values; <paramref name="values"/> holds this asset's rows ('' is the default).</summary>
    public AssetRecord ToRecord(IEnumerable<AssetValueRow> values)
    {
        var all = values.ToList();
        var fallback = all.FirstOrDefault(v => v.AgentGroup.Length == 0)?.ToValue() ?? new AssetValue(null);
        var overrides = all.Where(v => v.AgentGroup.Length > 0).OrderBy(v => v.AgentGroup, StringComparer.Ordinal)
            .ToDictionary(v => v.AgentGroup, v => v.ToValue(), StringComparer.Ordinal);
        return new AssetRecord(TenantId, Name, Type, Queue, AgentGroup, Description, fallback, overrides, CreatedAt, UpdatedAt);
    }
}

/// <summary>A row of <c>asset_values</c>: the default value (agent group '') or an agent group's override.</summary>
internal sealed class AssetValueRow
{
    public const string Select = "asset_name AS AssetName, agent_group AS AgentGroup, value AS Value, username AS Username, secret AS Secret";

    public string AssetName { get; set; } = "";
    public string AgentGroup { get; set; } = "";
    public string? Value { get; set; }
    public string? Username { get; set; }
    public string? Secret { get; set; }

    public AssetValue ToValue() => new(Value, Username, Secret);
}

/// <summary>Who holds a job and where it runs, for what the job may read.</summary>
internal sealed class JobHolderRow
{
    public string State { get; set; } = "";
    public string? AgentId { get; set; }
    public int Attempt { get; set; }
    public string Queue { get; set; } = "";
    public string? AgentGroup { get; set; }

    public bool IsHeldBy(string agentId, int attempt) => State == "running" && AgentId == agentId && Attempt == attempt;
}
