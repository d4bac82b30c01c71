using System.CommandLine;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton job run-many FILE.jsonl</c>: one submission per line (the body of <c>POST /api/v1/jobs</c>, e.g.
/// <c>{"package":"hello","inputs":{"name":"Ada"},"idempotencyKey":"ada-1"}</c>), sent in batches of up to
/// 1,000 through <c>POST /api/v1/jobs/batch</c> — one request and one transaction per batch. The whole file is
/// read and checked before anything is sent; each refused line is reported with its reason.
/// </summary>
public static class JobRunManyCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var file = new Argument<string>("file") { Description = "A JSON Lines file, one submission object per line; - reads standard input" };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = $"Submissions per request (at most {SubmitJobBatchRequest.MaxJobs})",
            DefaultValueFactory = _ => SubmitJobBatchRequest.MaxJobs,
        };
        batchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > SubmitJobBatchRequest.MaxJobs) r.AddError($"--batch-size must be between 1 and {SubmitJobBatchRequest.MaxJobs}.");
        });
        var command = new Command("run-many", "Submit many jobs from a JSON Lines file, up to 1,000 per request") { file, batchSize };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var lines = await ReadAsync(context, path, ct);
            if (lines.Count == 0) throw new UsageException($"{path} holds no submissions.");

            using var api = globals.Connect(parse, context);
            var json = globals.IsJson(parse);
            var size = parse.GetValue(batchSize);
            var results = new List<LineResult>(lines.Count);
            for (var start = 0; start < lines.Count; start += size)
            {
                var chunk = lines.Skip(start).Take(size).ToList();
                var answer = await api.SubmitJobBatchAsync(new SubmitJobBatchRequest([.. chunk.Select(l => l.Request)]), ct);
                results.AddRange(answer.Results.Select(r => new LineResult(chunk[r.Index].Number, r.Status, r.Job?.Id, r.Problem)));
                if (lines.Count > size && !json) context.Error.WriteLine($"… {Math.Min(start + size, lines.Count)} of {lines.Count} submissions sent");
            }

            var created = results.Count(r => r.Status == 201);
            var existing = results.Count(r => r.Status == 200);
            var refused = results.Where(r => r.Problem is not null).ToList();
            if (json)
            {
                JsonOutput.Write(context.Out, new RunManySummary(created, existing, refused.Count, results));
            }
            else
            {
                foreach (var line in refused) context.Error.WriteLine($"line {line.Line}: {line.Status} {line.Problem!.Detail ?? line.Problem.Title}");
                context.Out.WriteLine($"{created} job(s) submitted, {existing} already there (same idempotency key), {refused.Count} refused.");
            }
            return refused.Count == 0 ? 0 : ErrorReporter.Failure;
        });
        return command;
    }

    private static async Task<List<Line>> ReadAsync(CliContext context, string path, CancellationToken ct)
    {
        TextReader reader;
        if (path == "-")
        {
            reader = context.In;
        }
        else
        {
            if (!File.Exists(path)) throw new UsageException($"No such file: {path}");
            reader = new StreamReader(path);
        }
        try
        {
            var lines = new List<Line>();
            var number = 0;
            while (await reader.ReadLineAsync(ct) is { } text)
            {
                number++;
                if (string.IsNullOrWhiteSpace(text)) continue;
                SubmitJobRequest? request;
                try
                {
                    request = JsonSerializer.Deserialize(text, BatonJson.Lines.InfoOf<SubmitJobRequest>());
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"{path} line {number} is not a submission: {ex.Message} Nothing was sent.");
                }
                if (request is null || string.IsNullOrWhiteSpace(request.Package))
                {
                    throw new UsageException($"{path} line {number} names no package. Nothing was sent.");
                }
                lines.Add(new Line(number, request));
            }
            return lines;
        }
        finally
        {
            if (path != "-") reader.Dispose();
        }
    }

    private sealed record Line(int Number, SubmitJobRequest Request);

    /// <summary>One line's answer: its number in the file, the status a single submission would have had, the job or the problem.</summary>
    public sealed record LineResult(int Line, int Status, string? JobId, ProblemDto? Problem);

    public sealed record RunManySummary(int Created, int Existing, int Refused, IReadOnlyList<LineResult> Results);
}
