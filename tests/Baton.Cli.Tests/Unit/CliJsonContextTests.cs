using System.Reflection;
using Baton.Cli.Commands;
using Baton.Cli.Http;

namespace Baton.Cli.Tests.Unit;

/// <summary>
/// The native CLI serialises only the types <see cref="CliJsonContext"/> generated code for (no reflection there): every
/// type the API client sends or reads, and the CLI's own printed shapes, must be among them.
/// </summary>
public sealed class CliJsonContextTests
{
    [Fact]
    public void Every_type_the_api_client_sends_or_reads_has_generated_code()
    {
        var types = typeof(BatonApiClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Select(Payload)
            .Where(t => t.Namespace == "Baton.Core.Api")
            .Distinct()
            .ToList();
        Assert.True(types.Count > 40, $"only {types.Count} API types found: the scan is broken");
        Assert.All(types, t => Assert.True(CliJsonContext.Default.GetTypeInfo(t) is not null, $"{t} has no generated JSON code: add it to CliJsonContext"));
    }

    [Fact]
    public void The_CLI_s_own_printed_shapes_have_generated_code()
    {
        foreach (var type in (Type[])[typeof(JobRunManyCommand.RunManySummary), typeof(ContextCommands.ContextListJson), typeof(ContextCommands.ContextJson),
                     typeof(JobArtifactCommands.DownloadedArtifactJson), typeof(Configuration.CliContextFile.FileShape)])
            Assert.True(CliJsonContext.Default.GetTypeInfo(type) is not null, type.Name);
    }

    /// <summary>T of Task&lt;T&gt;, IAsyncEnumerable&lt;T&gt; and T?; the type itself otherwise.</summary>
    private static Type Payload(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return underlying;
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Task<>) || definition == typeof(IAsyncEnumerable<>) || definition == typeof(ValueTask<>)))
            return Payload(type.GetGenericArguments()[0]);
        return type;
    }
}
