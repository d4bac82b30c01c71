using System.Net;
using Baton.Cli.Http;

namespace Baton.Cli.Output;

/// <summary>Turns any failure into one line on stderr and an exit code: 2 for usage, 130 for Ctrl-C, else 1.</summary>
public static class ErrorReporter
{
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;

    public static int Report(Exception exception, CliContext context)
    {
        var (message, code) = exception switch
        {
            UsageException e => (e.Message, Usage),
            BatonApiException e => (e.Message + Hint(e), Failure),
            CliException e => (e.Message, Failure),
            OperationCanceledException => ("cancelled", Interrupted),
            IOException or UnauthorizedAccessException or InvalidDataException => (exception.Message, Failure),
            _ => ($"{exception.GetType().Name}: {exception.Message} (set BATON_DEBUG=1 for details)", Failure),
        };
        context.Error.WriteLine($"error: {message}");
        if (context.DebugEnabled) context.Error.WriteLine(exception.ToString());
        return code;
    }

    private static string Hint(BatonApiException e) => e.Status switch
    {
        HttpStatusCode.Unauthorized when e.KeySource is { } source =>
            $" — the key from {source} was refused (`baton context list` shows the saved logins, `baton context use NAME` switches; or `baton login`, --key, BATON_API_KEY)",
        HttpStatusCode.Unauthorized => " — check the API key (`baton login`, --key or BATON_API_KEY)",
        _ => "",
    };
}
