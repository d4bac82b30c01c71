namespace Baton.Storage.Postgres;

/// <summary>
/// Times go to <c>timestamptz</c> as UTC, cut to whole milliseconds like the SQLite backend (so
/// data, cursors and comparisons behave the same on both).
/// </summary>
internal static class PgTime
{
    public static DateTimeOffset ToDb(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
