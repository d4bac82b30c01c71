namespace Baton.Core.Audit;

/// <summary>
/// The audited kinds of object (<c>target</c>) and what can happen to them (<c>action</c> = target + "." + verb).
/// Clients filter on these; they are stable.
/// </summary>
public static class AuditActions
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";
    public const string Revoked = "revoked";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    /// <summary>A create-or-replace (PUT): recorded as <see cref="Created"/> or <see cref="Updated"/> by what was there before.</summary>
    public const string Saved = "saved";
    /// <summary>A secret read back by a person (an asset's credential).</summary>
    public const string Revealed = "revealed";

    public static string Of(string targetType, string verb) => targetType + "." + verb;

    /// <summary>Valid filter: an action such as <c>api_key.revoked</c>, or a target prefix such as <c>webhook.*</c>.</summary>
    public static bool IsValidFilter(string action) =>
        action.Length is > 0 and <= 100 && action.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.' or '*')
        && (action.IndexOf('*', StringComparison.Ordinal) is var star && (star < 0 || (star == action.Length - 1 && action.EndsWith(".*", StringComparison.Ordinal))));
}

/// <summary>The audited object kinds.</summary>
public static class AuditTargets
{
    public const string Tenant = "tenant";
    public const string ApiKey = "api_key";
    public const string EnrollmentToken = "enrollment_token";
    public const string SharedEnrollmentToken = "shared_enrollment_token";
    public const string Webhook = "webhook";
    public const string Schedule = "schedule";
    public const string Calendar = "calendar";
    public const string Queue = "queue";
    public const string Asset = "asset";
    public const string WorkItemTrigger = "workitem_trigger";
    /// <summary>Installation-wide settings such as the master keys of secrets at rest.</summary>
    public const string Installation = "installation";
}
