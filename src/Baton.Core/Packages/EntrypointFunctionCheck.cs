using System.IO.Compression;
using System.Text;

namespace Baton.Core.Packages;

/// <summary>
/// Refuses a <c>module:function</c> entrypoint whose module certainly does not define the function
/// (<c>hello:mian</c>), so the typo is caught at upload instead of by the first job. The module is read statically
/// (<see cref="PythonModuleNames"/>), never imported: upload must not run a package's code. When a static read cannot
/// be sure (a star import, <c>globals()</c>, a module over 1 MiB or not UTF-8) the package is accepted as before.
/// </summary>
internal static class EntrypointFunctionCheck
{
    private const int MaxModuleBytes = 1024 * 1024;
    private const int FunctionsShown = 10;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The refusal's reason, or null when the function is (or may be) there.</summary>
    public static string? Check(PackageEntrypoint entrypoint, IReadOnlyDictionary<string, List<ZipArchiveEntry>> files)
    {
        if (entrypoint.IsScript || entrypoint.Module is null || entrypoint.Function is null) return null;
        var modulePath = entrypoint.Module.Replace('.', '/');
        // Python prefers the package folder to a module file of the same name.
        var path = files.ContainsKey(modulePath + "/__init__.py") ? modulePath + "/__init__.py" : modulePath + ".py";
        if (!files.TryGetValue(path, out var entries) || entries.Count != 1 || entries[0].Length > MaxModuleBytes) return null;
        if (Read(entries[0]) is not { } source) return null;
        var names = PythonModuleNames.Read(source);
        if (names.MayBind(entrypoint.Function)) return null;
        var known = names.Functions.Concat(names.Bound.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var hint = FieldSuggestions.Hint(entrypoint.Function, known);
        var listed = names.Functions.Count == 0
            ? $"; {path} defines no top-level function"
            : $"; its top-level functions: {string.Join(", ", names.Functions.Take(FunctionsShown))}{(names.Functions.Count > FunctionsShown ? ", …" : "")}";
        return $"entrypoint '{entrypoint}' names function '{entrypoint.Function}', which {path} does not define{hint}{listed}";
    }

    private static string? Read(ZipArchiveEntry entry)
    {
        try
        {
            using var content = entry.Open();
            var buffer = new byte[MaxModuleBytes + 1];
            var length = content.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxModuleBytes) return null;
            var bytes = buffer.AsSpan(0, length);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            // Another source encoding (a coding: line): accepted unread, the job says what went wrong.
            return null;
        }
    }
}
