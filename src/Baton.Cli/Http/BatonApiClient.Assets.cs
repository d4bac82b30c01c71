using Baton.Core.Api;

namespace Baton.Cli.Http;

// Assets and credentials.
public sealed partial class BatonApiClient
{
    public Task<AssetDto> SaveAssetAsync(string name, SaveAssetRequest request, CancellationToken ct) =>
        SendJsonAsync<AssetDto>(HttpMethod.Put, $"api/v1/assets/{Segment(name)}", request, ct);

    public Task<AssetDto> SetAssetOverrideAsync(string name, string group, AssetOverrideRequest request, CancellationToken ct) =>
        SendJsonAsync<AssetDto>(HttpMethod.Put, $"api/v1/assets/{Segment(name)}/overrides/{Segment(group)}", request, ct);

    public Task<ListResponse<AssetDto>> ListAssetsAsync(CancellationToken ct) => GetAsync<ListResponse<AssetDto>>("api/v1/assets", ct);

    public Task<AssetDto> GetAssetAsync(string name, CancellationToken ct) => GetAsync<AssetDto>($"api/v1/assets/{Segment(name)}", ct);

    public Task DeleteAssetAsync(string name, CancellationToken ct) => DeleteAsync($"api/v1/assets/{Segment(name)}", ct);

    public Task RemoveAssetOverrideAsync(string name, string group, CancellationToken ct) =>
        DeleteAsync($"api/v1/assets/{Segment(name)}/overrides/{Segment(group)}", ct);

    public Task<RevealedCredentialDto> RevealAssetAsync(string name, string? group, CancellationToken ct) =>
        SendJsonAsync<RevealedCredentialDto>(HttpMethod.Post,
            $"api/v1/assets/{Segment(name)}/reveal{(group is null ? "" : "?group=" + Segment(group))}", body: null, ct);
}
