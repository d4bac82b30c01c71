namespace Baton.Agent.Protocol;

/// <summary>No server answered usefully (connection error, timeout, 5xx or 429 from all of them): retry later.</summary>
public sealed class ServerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>409 (or 404) on a job call: the server gave this job to someone else. Stop working on this attempt.</summary>
public sealed class StaleAttemptException(string message) : Exception(message);

/// <summary>401: the server no longer accepts this agent's credential.</summary>
public sealed class CredentialRejectedException(string message) : AgentException(message);

/// <summary>Any other 4xx answer: retrying the same request will not help.</summary>
public sealed class ProtocolRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
