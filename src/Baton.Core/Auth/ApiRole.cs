namespace Baton.Core.Auth;

/// <summary>What an API key may do inside its tenant. Ordered: each role includes the ones below it.</summary>
public enum ApiRole
{
    Viewer = 0,
    Operator = 1,
    Admin = 2,
}

public static class ApiRoles
{
    public static string ToText(this ApiRole role) => role switch
    {
        ApiRole.Viewer => "viewer",
        ApiRole.Operator => "operator",
        ApiRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? text, out ApiRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "viewer": role = ApiRole.Viewer; return true;
            case "operator": role = ApiRole.Operator; return true;
            case "admin": role = ApiRole.Admin; return true;
            default: role = default; return false;
        }
    }

    public static bool Includes(this ApiRole granted, ApiRole required) => granted >= required;
}
