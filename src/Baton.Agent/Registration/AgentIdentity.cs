namespace Baton.Agent.Registration;

/// <summary>What an agent keeps after registering: its id, tenant, bearer credential and the servers it knows.</summary>
public sealed record AgentIdentity(string AgentId, string TenantId, string Credential, IReadOnlyList<Uri> ServerUrls);
