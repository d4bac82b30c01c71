namespace Baton.Cli.Output;

/// <summary>Prints a secret the server shows only once, on its own line so it can be copied whole.</summary>
public static class SecretPrinter
{
    public static void Print(CliContext context, string label, string secret)
    {
        context.Out.WriteLine();
        context.Out.WriteLine($"{label} (shown once; store it now, it cannot be shown again):");
        context.Out.WriteLine();
        context.Out.WriteLine($"    {secret}");
        context.Out.WriteLine();
    }
}
