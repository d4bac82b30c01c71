namespace Baton.Storage.Sqlite;

/// <summary>Where the embedded backend keeps its database file.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Path of the SQLite database file; its folder is created when missing.</summary>
    public string DatabasePath { get; set; } = "";
}
