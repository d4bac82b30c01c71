namespace Baton.Core.Api;

/// <summary>
/// Stable problem+json <c>type</c> values. Clients branch on these, never on the human detail.
/// </summary>
public static class ProblemTypes
{
    private const string Base = "https://baton.dev/problems/";

    public const string Validation = Base + "validation";
    public const string NotFound = Base + "not-found";
    public const string Conflict = Base + "conflict";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string QuotaExceeded = Base + "quota-exceeded";
    public const string RateLimited = Base + "rate-limited";
    public const string InvalidPackage = Base + "invalid-package";
    public const string PackageTooLarge = Base + "package-too-large";
    public const string ArtifactTooLarge = Base + "artifact-too-large";
    public const string StaleAttempt = Base + "stale-attempt";
    public const string InvalidState = Base + "invalid-state";
    public const string ServerBusy = Base + "server-busy";
    public const string Internal = Base + "internal";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
}
