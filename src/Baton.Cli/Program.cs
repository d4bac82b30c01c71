using Baton.Cli;

try
{
    return await CliApp.RunAsync(args);
}
catch (Exception e)
{
    // RunAsync reports its own errors; this only catches a failure to build the console itself.
    Console.Error.WriteLine($"error: {e.Message}");
    if (Environment.GetEnvironmentVariable("BATON_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
    return 1;
}
