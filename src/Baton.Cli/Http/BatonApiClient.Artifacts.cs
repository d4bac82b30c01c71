using Baton.Core.Api;

namespace Baton.Cli.Http;

// Artifacts: the files a job saved, listed and downloaded.
public sealed partial class BatonApiClient
{
    public Task<ListResponse<ArtifactDto>> ListArtifactsAsync(string jobId, CancellationToken ct) =>
        GetAsync<ListResponse<ArtifactDto>>($"api/v1/jobs/{Segment(jobId)}/artifacts", ct);

    /// <summary>Copies an artifact's bytes into <paramref name="destination"/>; returns the SHA-256 the server stored it under.</summary>
    public async Task<string?> DownloadArtifactAsync(string jobId, string name, Stream destination, CancellationToken ct)
    {
        // Each segment escaped on its own: a name's '/' separates folders in the route.
        var path = string.Join('/', name.Split('/').Select(Segment));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/jobs/{Segment(jobId)}/artifacts/{path}");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(destination, ct);
        return response.Headers.TryGetValues("X-Content-SHA256", out var values) ? values.FirstOrDefault() : null;
    }
}
