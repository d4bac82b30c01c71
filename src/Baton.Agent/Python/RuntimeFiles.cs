using System.Reflection;

namespace Baton.Agent.Python;

/// <summary>Writes the embedded <c>baton</c> helper module (Python/baton/*.py) to the runtime directory.</summary>
public static class RuntimeFiles
{
    private const string ResourcePrefix = "Baton.Agent.Python.";

    /// <summary>Writes each file unless it is already there with the same content; returns the directory for PYTHONPATH.</summary>
    public static async Task<string> WriteAsync(string runtimeDirectory, CancellationToken cancellationToken)
    {
        var assembly = typeof(RuntimeFiles).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".py", StringComparison.Ordinal)))
        {
            var relative = name[ResourcePrefix.Length..^3].Replace('.', Path.DirectorySeparatorChar) + ".py";
            var target = Path.Combine(runtimeDirectory, relative);
            var content = await ReadResourceAsync(assembly, name, cancellationToken);
            if (File.Exists(target) && (await File.ReadAllBytesAsync(target, cancellationToken)).AsSpan().SequenceEqual(content))
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temp, content, cancellationToken);
            File.Move(temp, target, overwrite: true);
        }

        return runtimeDirectory;
    }

    private static async Task<byte[]> ReadResourceAsync(Assembly assembly, string name, CancellationToken cancellationToken)
    {
        await using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
