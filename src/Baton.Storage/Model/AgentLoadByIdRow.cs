namespace Baton.Storage.Model;

/// <summary>One agent's load as the load queries of both backends read it.</summary>
internal sealed class AgentLoadByIdRow
{
    public string AgentId { get; set; } = "";
    public long Jobs { get; set; }
    public long CpuMillicores { get; set; }
    public long MemoryMb { get; set; }
}
