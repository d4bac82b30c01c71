namespace Baton.Storage.Relational;

/// <summary>The column lists of <c>agents</c>: Dapper reads a row straight into an <see cref="Model.AgentRecord"/> (the state through its stored form).</summary>
internal static class AgentRow
{
    private static readonly string[] All =
    [
        "id", "tenant_id", "name", "credential_hash", "state AS StoredState", "capabilities", "resources", "slots", "version", "registered_at",
        "last_heartbeat_at",
    ];

    public static readonly string Select = Columns.Select(All);
    public static readonly string Insert = $"INSERT INTO agents ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";
}
