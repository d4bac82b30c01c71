using Baton.Core.Dispatch;

namespace Baton.Core.Tests.Dispatch;

public sealed class RequirementParsingTests
{
    [Theory]
    [InlineData("os=linux", "os")]
    [InlineData("OS=Linux", "os")]
    [InlineData("gpu", "gpu")]
    [InlineData("python>=3.9,<3.13", "python")]
    [InlineData("  python >= 3.11  ", "python")]
    [InlineData("example.com/zone!=eu-west-1", "example.com/zone")]
    [InlineData("browser==chromium", "browser")]
    public void Valid_requirements_parse_with_a_lower_case_key(string text, string expectedKey)
    {
        Assert.True(Requirement.TryParse(text, out var requirement, out var error), error);
        Assert.Equal(expectedKey, requirement!.Key);
        Assert.Equal(text.Trim(), requirement.Text);
        Assert.Equal(text.Trim(), requirement.ToString());
    }

    [Theory]
    [InlineData("", "requirement is empty")]
    [InlineData("   ", "requirement is empty")]
    [InlineData("python>=", "requirement 'python>=' has no version")]
    [InlineData("os=", "requirement 'os=' has no value")]
    [InlineData(">=3.11", "has no key")]
    [InlineData("python>=three", "'three' is not a version")]
    [InlineData("python>=3.9,", "has an empty clause")]
    [InlineData("python>=3.9,3.13", "does not start with one of")]
    [InlineData("os linux", "needs an operator (= != == >= > <= <) after 'os'")]
    [InlineData("os=linux windows", "is not a valid value")]
    [InlineData("py thon", "needs an operator")]
    [InlineData("os:linux", "':' is not allowed in a key")]
    [InlineData("python>=3..11", "is not a version")]
    public void Invalid_requirements_give_a_clear_error(string text, string expectedError)
    {
        Assert.False(Requirement.TryParse(text, out var requirement, out var error));
        Assert.Null(requirement);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsed_requirements_compare_by_value()
    {
        Assert.True(Requirement.TryParse("python>=3.11", out var a, out _));
        Assert.True(Requirement.TryParse("python>=3.11", out var b, out _));
        Assert.True(Requirement.TryParse("python>=3.12", out var c, out _));
        Assert.Equal(a, b);
        Assert.Equal(a!.GetHashCode(), b!.GetHashCode());
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void A_requirement_built_by_hand_or_copied_with_new_text_matches_on_its_own_text()
    {
        var capabilities = CapabilitySet.From("linux", "x64", ["3.12.1"], new Dictionary<string, string>());
        var byHand = new Requirement { Key = "python", Text = "python>=3.12" };
        Assert.True(byHand.IsSatisfiedBy(capabilities));

        Assert.True(Requirement.TryParse("python>=3.12", out var parsed, out _));
        var copy = parsed! with { Text = "python>=3.13" };
        Assert.False(copy.IsSatisfiedBy(capabilities));

        var garbage = new Requirement { Key = "x", Text = ">=" };
        Assert.False(garbage.IsSatisfiedBy(capabilities));
    }
}
