namespace Baton.Core.Api;

/// <summary>A file a job saved (GET /api/v1/jobs/{id}/artifacts); its content is at …/artifacts/{name}.</summary>
public sealed record ArtifactDto(string JobId, string Name, int Attempt, string Sha256, long SizeBytes, DateTimeOffset CreatedAt);

/// <summary>The answer to an agent's artifact upload.</summary>
public sealed record ArtifactUploadResponse(string Name, string Sha256, long SizeBytes);
