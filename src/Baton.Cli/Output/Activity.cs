using Spectre.Console;

namespace Baton.Cli.Output;

/// <summary>Spinners and progress bars that animate only on a terminal; elsewhere the work just runs.</summary>
public static class Activity
{
    /// <summary>Runs <paramref name="work"/> under a spinner whose caption the work may change.</summary>
    public static async Task<T> WithSpinnerAsync<T>(CliContext context, bool quiet, string caption, Func<Action<string>, Task<T>> work)
    {
        if (quiet || !context.Interactive) return await work(_ => { });
        return await context.Console.Status()
            .Spinner(Spinner.Known.Dots)
            .StartAsync(Markup.Escape(caption), status => work(text => status.Status(Markup.Escape(text))));
    }

    /// <summary>Runs <paramref name="work"/> under a byte-count progress bar of <paramref name="totalBytes"/>.</summary>
    public static async Task<T> WithProgressAsync<T>(CliContext context, bool quiet, string caption, long totalBytes, Func<IProgress<long>?, Task<T>> work)
    {
        if (quiet || !context.Interactive) return await work(null);
        return await context.Console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(caption), maxValue: Math.Max(1, totalBytes));
                var result = await work(new Progress<long>(sent => task.Value = sent));
                task.Value = task.MaxValue;
                return result;
            });
    }
}
