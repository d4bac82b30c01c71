using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Agent.Jobs;
using Baton.Core.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python;

/// <summary>
/// What a job asks its agent for — assets (secrets masked in its log), checkpoints, heartbeats — through the job's channel
/// where the agent offers one (a Unix socket), else through the control file.
/// </summary>
public abstract partial class PythonJobRunnerTests
{
    private const string Secret = "s3cr3t-Pa55word!";

    /// <summary>Answers like the agent's JobRequests would, from memory, and masks the secrets it hands out.</summary>
    private sealed class FakeRequests(JobLog log) : IJobRequests
    {
        public List<string> Checkpoints { get; } = [];

        public Task<JsonObject> HandleAsync(string operation, JsonElement request, CancellationToken cancellationToken)
        {
            JsonObject reply = operation switch
            {
                "asset" when request.GetProperty("name").GetString() == "db" => Found(new JsonObject
                {
                    ["name"] = "db", ["type"] = "credential", ["username"] = "svc", ["secret"] = Secret,
                }),
                "asset" when request.GetProperty("name").GetString() == "limit" => Found(new JsonObject { ["name"] = "limit", ["type"] = "number", ["value"] = 7 }),
                "asset" => new JsonObject { ["ok"] = false, ["notFound"] = true, ["error"] = "no such asset" },
                "checkpoint" => Saved(request.GetProperty("state").GetRawText()),
                "last_checkpoint" => new JsonObject { ["ok"] = true, ["state"] = JsonNode.Parse("""{"page":3}"""), ["savedByAttempt"] = 1 },
                _ => new JsonObject { ["ok"] = false, ["error"] = "unknown" },
            };
            return Task.FromResult(reply);
        }

        private JsonObject Found(JsonObject asset)
        {
            if (asset["secret"] is { } secret)
                log.Mask.Add(secret.GetValue<string>());
            return new JsonObject { ["ok"] = true, ["asset"] = asset };
        }

        private JsonObject Saved(string state)
        {
            lock (Checkpoints)
                Checkpoints.Add(state);
            return new JsonObject { ["ok"] = true };
        }
    }

    [Fact]
    public async Task A_job_reads_assets_and_a_credential_whose_secret_never_reaches_its_log()
    {
        _temp.WriteFile("assets/job.py", $$"""
            import sys
            import baton

            def main():
                login = baton.credential("db")
                print("login is", login)
                print("the secret is " + login.secret)
                print("repr:", repr(login), file=sys.stderr)
                try:
                    baton.asset("missing")
                except baton.AssetNotFound as error:
                    print("missing:", error)
                return {"user": login.username, "secret_ok": login.secret == "{{Secret}}", "limit": baton.asset("limit")}
            """);
        var (result, log, _) = await RunAsync(_temp.Combine("assets"), "job:main", requests: l => new FakeRequests(l));

        Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
        Assert.Equal("""{"user": "svc", "secret_ok": true, "limit": 7}""", result.Result!.Value.GetRawText());
        var all = string.Join("\n", log.PeekBatch(int.MaxValue).Select(l => l.Text));
        Assert.DoesNotContain(Secret, all, StringComparison.Ordinal);
        Assert.Contains("the secret is ***", all, StringComparison.Ordinal);
        Assert.Contains("login is Credential('db', username='svc', secret=***)", all, StringComparison.Ordinal);
        Assert.Contains("missing: no such asset", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_saves_checkpoints_reads_the_last_one_and_sends_heartbeats()
    {
        _temp.WriteFile("checkpoints/job.py", """
            import baton

            def main():
                state = baton.last_checkpoint()
                baton.checkpoint({"page": state["page"] + 1})
                baton.heartbeat()
                return state
            """);
        FakeRequests? requests = null;
        var (result, _, control) = await RunAsync(_temp.Combine("checkpoints"), "job:main", requests: l => requests = new FakeRequests(l));

        Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
        Assert.Equal("""{"page": 3}""", result.Result!.Value.GetRawText());
        Assert.Equal(["""{"page": 4}"""], requests!.Checkpoints);
        Assert.True(control.TakeHeartbeat(), "the job's heartbeat should be waiting to be sent");
        Assert.Null(control.Progress);
    }

    [Fact]
    public async Task Where_the_agent_offers_the_channel_assets_checkpoints_and_heartbeats_go_through_it()
    {
        _temp.WriteFile("channel/job.py", """
            import os
            import baton

            def main():
                login = baton.credential("db")
                state = baton.last_checkpoint()
                baton.checkpoint({"page": state["page"] + 1})
                baton.heartbeat()
                with open(os.environ["BATON_CONTROL_FILE"], encoding="utf-8") as control:
                    written = control.read()
                print("the secret is " + login.secret)
                return {"user": login.username, "page": state["page"], "control": written}
            """);
        // Nothing is relayed to a server here: the agent answers these calls itself.
        var client = new Baton.Agent.Protocol.AgentProtocolClient(new HttpClient(), [new Uri("http://127.0.0.1:9/")],
            NullLogger<Baton.Agent.Protocol.AgentProtocolClient>.Instance);
        using var channel = JobChannel.TryStart(client, TimeProvider.System, NullLogger.Instance);
        Assert.NotNull(channel);
        JobChannelSession? session = null;
        FakeRequests? requests = null;

        var (result, log, control) = await RunAsync(_temp.Combine("channel"), "job:main", requests: l => requests = new FakeRequests(l),
            environment: c => (session = channel.Open("job-1", 1, c)).Environment);
        await session!.DisposeAsync();

        Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
        // The control file carried none of it: no request line, no heartbeat line.
        Assert.Equal("""{"user": "svc", "page": 3, "control": ""}""", result.Result!.Value.GetRawText());
        // Relayed as JSON (the agent's own spelling of it), not as the job's text.
        Assert.Equal(["""{"page":4}"""], requests!.Checkpoints);
        Assert.True(control.TakeHeartbeat(), "the job's heartbeat should be waiting to be sent");
        var all = string.Join("\n", log.PeekBatch(int.MaxValue).Select(l => l.Text));
        Assert.Contains("the secret is ***", all, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, all, StringComparison.Ordinal);
    }
}
