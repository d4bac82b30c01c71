using System.Text.Json;
using Baton.Core.Audit;

namespace Baton.Core.Tests.Audit;

public sealed class AuditSummaryTests
{
    private static readonly IReadOnlySet<string> Secret = new HashSet<string> { "secret" };

    [Fact]
    public void A_creation_lists_its_fields_and_hides_secret_values()
    {
        var summary = AuditSummary.Created(new Dictionary<string, object?> { ["url"] = "https://example.com", ["secret"] = "whsec_plain", ["enabled"] = true }, Secret);

        var created = summary.GetProperty("created");
        Assert.Equal("https://example.com", created.GetProperty("url").GetString());
        Assert.Equal(AuditSummary.SecretMark, created.GetProperty("secret").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.DoesNotContain("whsec_plain", summary.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_names_only_what_changed_and_a_secret_change_without_its_values()
    {
        var before = new Dictionary<string, object?> { ["url"] = "https://a", ["events"] = new[] { "*" }, ["secret"] = "old-secret", ["enabled"] = true };
        var after = new Dictionary<string, object?> { ["url"] = "https://b", ["events"] = new[] { "*" }, ["secret"] = "new-secret", ["enabled"] = true };

        var summary = AuditSummary.Changes(before, after, Secret);

        var changes = summary.GetProperty("changes");
        Assert.Equal(["secret", "url"], changes.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("https://a", "https://b"), (changes.GetProperty("url").GetProperty("from").GetString(), changes.GetProperty("url").GetProperty("to").GetString()));
        Assert.True(changes.GetProperty("secret").GetProperty("changed").GetBoolean());
        Assert.DoesNotContain("old-secret", summary.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("new-secret", summary.GetRawText(), StringComparison.Ordinal);
        Assert.True(AuditSummary.HasChanges(summary));
        Assert.False(AuditSummary.HasChanges(AuditSummary.Changes(before, before, Secret)));
    }

    [Fact]
    public void Nested_values_compare_by_content_and_long_texts_are_cut()
    {
        var quotas = new Dictionary<string, object?> { ["quotas"] = new { agents = 5, queues = (int?)null } };
        Assert.False(AuditSummary.HasChanges(AuditSummary.Changes(quotas, new Dictionary<string, object?> { ["quotas"] = new { agents = 5, queues = (int?)null } }, Secret)));

        var summary = AuditSummary.Created(new Dictionary<string, object?> { ["name"] = new string('x', 10_000) }, Secret);
        var name = summary.GetProperty("created").GetProperty("name").GetString()!;
        Assert.True(name.Length < 300);
        Assert.EndsWith("(10000 characters)", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api_key.revoked", true)]
    [InlineData("webhook.*", true)]
    [InlineData("installation.secrets_rewrapped", true)]
    [InlineData("*", false)]
    [InlineData("web*hook", false)]
    [InlineData("webhook.*.x", false)]
    [InlineData("Webhook.created", false)]
    [InlineData("", false)]
    [InlineData("a'; drop table", false)]
    public void Action_filters_are_an_action_or_a_target_prefix(string filter, bool valid) =>
        Assert.Equal(valid, AuditActions.IsValidFilter(filter));

    [Fact]
    public void A_summary_is_a_json_object()
    {
        var summary = AuditSummary.Deleted(new Dictionary<string, object?> { ["name"] = "q" }, Secret);
        Assert.Equal(JsonValueKind.Object, summary.ValueKind);
        Assert.Equal("q", summary.GetProperty("deleted").GetProperty("name").GetString());
    }
}
