using System.Text.Json;

namespace Baton.Core.Api;

public sealed record SubmitJobRequest(
    string Package,
    string? Version = null,
    Dictionary<string, JsonElement>? Inputs = null,
    int? Priority = null,
    int? TimeoutSeconds = null,
    int? MaxAttempts = null,
    IReadOnlyList<string>? Requirements = null);

public sealed record JobProgressDto(double? Percent, string? Message);

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
    JobProgressDto? Progress);

public sealed record LogLineDto(long Seq, int Attempt, DateTimeOffset At, string Stream, string Text);

/// <summary>A page of log lines after a sequence number. <see cref="JobEnded"/> tells a follower to stop.</summary>
public sealed record LogPageDto(IReadOnlyList<LogLineDto> Items, long NextSeq, bool JobEnded);

public sealed record JobEventDto(long Id, DateTimeOffset At, string Type, int Attempt, string? AgentId, string? Message);
