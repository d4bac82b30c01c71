namespace Baton.Server.Security;

public static class AuthSchemes
{
    /// <summary>API keys and the JWTs exchanged for them.</summary>
    public const string Api = "BatonApi";
    /// <summary>Per-agent credentials on the agent protocol.</summary>
    public const string Agent = "BatonAgent";
}

public static class AuthPolicies
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";
    public const string SystemAdmin = "system-admin";
    public const string Agent = "agent";
}
