namespace Baton.Storage.Postgres;

/// <summary>
/// Times go to <c>timestamptz</c> as UTC, cut to whole milliseconds like the SQLite backend (so
/// data, cursors and comparisons behave the same on both); they come back as UTC.
/// </summary>
internal static class PgTime
{
    public static DateTimeOffset ToDb(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    public static DateTimeOffset? ToDb(DateTimeOffset? value) => value is { } v ? ToDb(v) : null;

    /// <summary>For array parameters, where Npgsql wants UTC <see cref="DateTime"/> values for <c>timestamptz[]</c>.</summary>
    public static DateTime ToDbUtc(DateTimeOffset value) => ToDb(value).UtcDateTime;

    public static DateTimeOffset FromDb(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? FromDb(DateTime? value) => value is { } v ? FromDb(v) : null;
}
