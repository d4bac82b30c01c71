namespace Baton.Cli;

/// <summary>An error the user can act on: printed as one line on stderr, exit code 1.</summary>
public class CliException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The command line itself is wrong (bad value, missing flag): printed on stderr, exit code 2.</summary>
public sealed class UsageException(string message) : CliException(message);
