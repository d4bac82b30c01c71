using System.Diagnostics;
using System.Text.Json;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Notifications;

/// <summary>The Python verification snippet in docs/webhooks.md, run by python3 on a real delivery.</summary>
public sealed class WebhookSnippetTests
{
    [Fact]
    public async Task The_documented_python_snippet_verifies_a_real_delivery_and_rejects_a_wrong_secret()
    {
        await using var receiver = new WebhookReceiver().Start();
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await server.CreateTenantAsync();
        var webhook = await WebhookScenario.CreateWebhookAsync(tenant, receiver.Url);
        await tenant.Client.PostAsync($"/api/v1/webhooks/{webhook.Webhook.Id}/test", null);
        await receiver.WaitForAcceptedAsync(1);
        var hook = receiver.Accepted[0];

        var folder = Directory.CreateTempSubdirectory("baton-snippet-").FullName;
        try
        {
            var script = Path.Combine(folder, "verify.py");
            await File.WriteAllTextAsync(script, PythonSnippet() + """

                import json, sys
                request = json.load(open(sys.argv[1]))
                body = request["body"].encode("utf-8")
                good = verify_baton_webhook(request["secret"], request["headers"], body)
                bad = verify_baton_webhook(request["secret"] + "x", request["headers"], body)
                tampered = verify_baton_webhook(request["secret"], request["headers"], body + b" ")
                print("verified" if good and not bad and not tampered else f"FAILED good={good} bad={bad} tampered={tampered}")
                """.Replace("\n                ", "\n", StringComparison.Ordinal));
            var input = Path.Combine(folder, "request.json");
            await File.WriteAllTextAsync(input, JsonSerializer.Serialize(new
            {
                secret = webhook.Secret,
                headers = new Dictionary<string, string>
                {
                    ["Baton-Timestamp"] = hook.Headers["Baton-Timestamp"],
                    ["Baton-Signature"] = hook.Headers["Baton-Signature"],
                },
                body = hook.Body,
            }));

            using var python = Process.Start(new ProcessStartInfo("python3", [script, input]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await python.StandardOutput.ReadToEndAsync();
            var error = await python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();

            Assert.True(python.ExitCode == 0, error);
            Assert.Equal("verified", output.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string PythonSnippet()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Baton.slnx"))) folder = folder.Parent;
        Assert.NotNull(folder);
        var docs = File.ReadAllText(Path.Combine(folder.FullName, "docs", "webhooks.md"));
        var start = docs.IndexOf("```python\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/webhooks.md must hold a ```python block");
        start += "```python\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
