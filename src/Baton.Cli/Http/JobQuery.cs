namespace Baton.Cli.Http;

/// <summary>Filters and paging for <c>GET /api/v1/jobs</c>; null leaves a parameter out.</summary>
public sealed record JobQuery(
    string? State = null,
    string? Package = null,
    DateTimeOffset? Since = null,
    string? Cursor = null,
    int? Limit = null,
    string? Queue = null);
