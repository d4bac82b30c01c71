namespace Baton.Agent;

/// <summary>A fatal agent error a person must act on (bad token, rejected credential, no identity).</summary>
public class AgentException : Exception
{
    public AgentException(string message) : base(message) { }

    public AgentException(string message, Exception inner) : base(message, inner) { }
}
