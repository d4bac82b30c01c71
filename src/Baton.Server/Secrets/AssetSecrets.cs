using Baton.Core.Secrets;

namespace Baton.Server.Secrets;

/// <summary>
/// Credential secrets of assets at rest: sealed with the tenant's data key before they are stored, bound to the asset's
/// name and the agent group of the value (a sealed value copied to another asset or group does not open); opened only to
/// hand a job its credential over the agent protocol, or for an audited reveal.
/// </summary>
public sealed class AssetSecrets(ISecretProtector protector)
{
    /// <param name="agentGroup">The override's group; empty for the default value.</param>
    public static string Purpose(string assetName, string agentGroup) => $"asset:{assetName}/{agentGroup}";

    public Task<string> ProtectAsync(string tenantId, string assetName, string agentGroup, string secret, CancellationToken cancellationToken) =>
        protector.ProtectAsync(tenantId, Purpose(assetName, agentGroup), secret, cancellationToken);

    public Task<string> RevealAsync(string tenantId, string assetName, string agentGroup, string stored, CancellationToken cancellationToken) =>
        protector.UnprotectAsync(tenantId, Purpose(assetName, agentGroup), stored, cancellationToken);
}
