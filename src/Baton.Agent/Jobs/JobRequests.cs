using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Agent.Protocol;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>What a running job asks its agent for (a JSON request line in its control file), answered with a JSON reply.</summary>
public interface IJobRequests
{
    /// <summary>The reply to <paramref name="request"/>: <c>{"ok": true, …}</c> or <c>{"ok": false, "error": …}</c>; never throws for a refusal.</summary>
    Task<JsonObject> HandleAsync(string operation, JsonElement request, CancellationToken cancellationToken);
}

/// <summary>
/// Answers a job's requests over the agent protocol, for its attempt: <c>asset</c> (a credential's secret joins the log
/// mask before the job sees it), <c>checkpoint</c> (save the job's state) and <c>last_checkpoint</c>. Calls retry while the
/// server is unreachable, like the attempt's other calls.
/// </summary>
public sealed class JobRequests(AgentProtocolClient client, string jobId, int attempt, SecretMask mask, ProtocolRetry retry, ILogger logger) : IJobRequests
{
    public async Task<JsonObject> HandleAsync(string operation, JsonElement request, CancellationToken cancellationToken)
    {
        try
        {
            switch (operation)
            {
                case "asset":
                {
                    var name = request.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                    var asset = await retry.UntilDoneAsync("asset", ct => client.GetJobAssetAsync(jobId, attempt, name, ct), cancellationToken);
                    if (asset is null)
                        return Refused($"No asset named '{name}' is readable by this job (it does not exist, or its queue or agent group is another).", notFound: true);
                    if (asset.Secret is { } secret)
                        mask.Add(secret);
                    return new JsonObject { ["ok"] = true, ["asset"] = JsonSerializer.SerializeToNode(asset, AgentJson.Options) };
                }
                case "checkpoint":
                {
                    if (!request.TryGetProperty("state", out var state))
                        return Refused("A checkpoint needs a state.");
                    var saved = new SaveCheckpointRequest(attempt, state.Clone());
                    await retry.UntilDoneAsync("checkpoint", ct => client.SaveCheckpointAsync(jobId, saved, ct), cancellationToken);
                    return new JsonObject { ["ok"] = true };
                }
                case "last_checkpoint":
                {
                    var checkpoint = await retry.UntilDoneAsync("checkpoint read", ct => client.GetCheckpointAsync(jobId, attempt, ct), cancellationToken);
                    return new JsonObject
                    {
                        ["ok"] = true,
                        ["state"] = checkpoint.State is { } state ? JsonNode.Parse(state.GetRawText()) : null,
                        ["savedByAttempt"] = checkpoint.SavedByAttempt,
                    };
                }
                default:
                    return Refused($"Unknown request '{operation}'.");
            }
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("A job request was refused as stale: {Reason}", ex.Message);
            return Refused("This attempt of the job is no longer held by its agent.");
        }
        catch (ProtocolRequestException ex)
        {
            return Refused(ex.Message);
        }
    }

    private static JsonObject Refused(string error, bool notFound = false) =>
        new() { ["ok"] = false, ["error"] = error, ["notFound"] = notFound };
}
