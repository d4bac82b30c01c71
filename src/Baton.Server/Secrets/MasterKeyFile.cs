using Baton.Core.Secrets;

namespace Baton.Server.Secrets;

/// <summary>Writes key files so that no other user can ever read them, not even for a moment (created 0600, then renamed into place).</summary>
public static class MasterKeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> holding <paramref name="key"/>; false when it already exists (another process was first).</summary>
    public static bool CreateIfMissing(string path, MasterKey key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = WriteTemporary(path, MasterKeyRing.Format([key]));
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }

    /// <summary>Puts <paramref name="key"/> first in the file (creating it), keeping the others to unwrap old data keys; returns the ring written.</summary>
    public static MasterKeyRing AddPrimary(string path, MasterKey key)
    {
        var existing = File.Exists(path) ? MasterKeyRing.Parse(File.ReadAllText(path), path).Keys : [];
        IReadOnlyList<MasterKey> keys = [key, .. existing.Where(k => k.Id != key.Id)];
        Replace(path, keys);
        return new MasterKeyRing(keys);
    }

    /// <summary>Keeps only the primary key; the caller has checked that no data key is wrapped by another.</summary>
    public static MasterKeyRing KeepOnlyPrimary(string path)
    {
        var ring = MasterKeyRing.Parse(File.ReadAllText(path), path);
        Replace(path, [ring.Primary]);
        return new MasterKeyRing([ring.Primary]);
    }

    public static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    private static void Replace(string path, IReadOnlyList<MasterKey> keys)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.Move(WriteTemporary(path, MasterKeyRing.Format(keys)), path, overwrite: true);
    }

    private static string WriteTemporary(string path, string text)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        return temporary;
    }
}
