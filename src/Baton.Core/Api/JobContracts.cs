using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Api;

public sealed record SubmitJobRequest(
    string Package,
    string? Version = null,
    Dictionary<string, JsonElement>? Inputs = null,
    int? Priority = null,
    int? TimeoutSeconds = null,
    int? MaxAttempts = null,
    IReadOnlyList<string>? Requirements = null,
    string? Queue = null,
    /// <summary>CPU cores the job needs on its agent (decimal, e.g. 0.5); omitted: the manifest's, else none.</summary>
    decimal? Cpu = null,
    /// <summary>Memory in MB the job needs on its agent; omitted: the manifest's, else none.</summary>
    long? MemoryMb = null,
    /// <summary>Submitting the same key again (in this tenant) returns the job it made; also the Idempotency-Key header.</summary>
    string? IdempotencyKey = null);

/// <summary>POST /api/v1/jobs/batch: up to <see cref="MaxJobs"/> submissions, validated one by one, stored in one transaction.</summary>
public sealed record SubmitJobBatchRequest(IReadOnlyList<SubmitJobRequest>? Jobs)
{
    public const int MaxJobs = 1_000;
}

/// <summary>
/// The answer to a batch: per submission, in order, its status as a single submission would have had it
/// (201 created, 200 an existing job of its idempotency key, 4xx refused with the problem), and the totals.
/// </summary>
public sealed record SubmitJobBatchResponse(int Created, int Existing, int Refused, IReadOnlyList<SubmitJobBatchItemResult> Results);

public sealed record SubmitJobBatchItemResult(int Index, int Status, JobDto? Job, ProblemDto? Problem);

/// <summary>A problem (RFC 9457) as data, where it is part of a larger answer.</summary>
public sealed record ProblemDto(string Type, string Title, int Status, string? Detail, string? Field);

/// <summary>PATCH /api/v1/jobs/{id}: only a pending job's priority can change.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateJobRequest(int? Priority = null);

public sealed record JobProgressDto(double? Percent, string? Message);

/// <summary>
/// A job. In a list, <see cref="Inputs"/> and <see cref="Result"/> larger than a few KiB are left out (null, with
/// <see cref="InputsOmitted"/> / <see cref="ResultOmitted"/> set) and a long <see cref="Error"/> keeps its last KiB:
/// read the job itself for them.
/// </summary>
public sealed record JobDto(
    string Id,
    string Package,
    string Version,
    string State,
    int Attempt,
    int MaxAttempts,
    int Priority,
    int TimeoutSeconds,
    IReadOnlyList<string> Requirements,
    JsonElement Inputs,
    string? AgentId,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? NotBefore,
    JsonElement? Result,
    string? Error,
    int? ExitCode,
    bool CancelRequested,
    JobProgressDto? Progress,
    string Queue = "default",
    decimal? Cpu = null,
    long? MemoryMb = null,
    bool InputsOmitted = false,
    bool ResultOmitted = false);

/// <summary>Why a job is (or is not) waiting, in words, most decisive first.</summary>
public sealed record JobWhyDto(string JobId, string State, IReadOnlyList<string> Reasons);

public sealed record LogLineDto(long Seq, int Attempt, DateTimeOffset At, string Stream, string Text);

/// <summary>A page of log lines after a sequence number. <see cref="JobEnded"/> tells a follower to stop.</summary>
public sealed record LogPageDto(IReadOnlyList<LogLineDto> Items, long NextSeq, bool JobEnded);

/// <summary>
/// The same page as <see cref="LogPageDto"/> in the compact form a log viewer takes: each line's text, in order, and by
/// stream the indexes (into <see cref="Lines"/>) of the lines not written to stdout (stderr, setup, system).
/// <see cref="More"/> says that later lines were already stored when the page was read (ask for the next page); without
/// it, a follower goes on with the live tail from <see cref="NextSeq"/>.
/// </summary>
public sealed record CompactLogPageDto(
    IReadOnlyList<string> Lines, IReadOnlyDictionary<string, IReadOnlyList<int>> Streams, long NextSeq, bool JobEnded, bool More);

public sealed record JobEventDto(long Id, DateTimeOffset At, string Type, int Attempt, string? AgentId, string? Message);
