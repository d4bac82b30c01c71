using Baton.Storage.Blobs;

namespace Baton.Storage.Tests.Blobs;

/// <summary>Reading <c>s3://BUCKET[/PREFIX]?…</c> settings, with the environment filling the gaps.</summary>
public sealed class S3BlobStoreOptionsTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static S3BlobStoreOptions Parse(string uri, Dictionary<string, string?>? environment = null) =>
        S3BlobStoreOptions.Parse(uri, name => (environment ?? NoEnvironment).GetValueOrDefault(name));

    [Fact]
    public void A_bare_bucket_means_aws_with_the_default_credentials()
    {
        var options = Parse("s3://baton-blobs");

        Assert.Equal("baton-blobs", options.Bucket);
        Assert.Equal("", options.Prefix);
        Assert.Null(options.ServiceUrl);
        Assert.Null(options.Region);
        Assert.Null(options.AccessKey);
        Assert.Null(options.SecretKey);
        Assert.True(options.ForcePathStyle);
    }

    [Theory]
    [InlineData("s3://baton-blobs/prod", "prod/")]
    [InlineData("s3://baton-blobs/prod/", "prod/")]
    [InlineData("s3://baton-blobs/a//b/", "a/b/")]
    [InlineData("s3://baton-blobs/", "")]
    [InlineData("s3://baton-blobs/team%20a?region=eu-west-1", "team a/")]
    public void The_path_becomes_a_prefix_ending_in_a_slash(string uri, string prefix)
    {
        Assert.Equal(prefix, Parse(uri).Prefix);
    }

    [Fact]
    public void The_query_gives_endpoint_region_credentials_and_path_style()
    {
        var options = Parse("s3://baton-blobs/p?endpoint=http://127.0.0.1:9000&region=eu-central-1&accessKey=AK&secretKey=S%2FK&forcePathStyle=false");

        Assert.Equal("http://127.0.0.1:9000", options.ServiceUrl);
        Assert.Equal("eu-central-1", options.Region);
        Assert.Equal("AK", options.AccessKey);
        Assert.Equal("S/K", options.SecretKey);
        Assert.False(options.ForcePathStyle);
    }

    [Fact]
    public void The_environment_fills_what_the_query_leaves_out_and_the_query_wins()
    {
        var environment = new Dictionary<string, string?>
        {
            [S3BlobStoreOptions.EndpointVariable] = "http://minio:9000",
            [S3BlobStoreOptions.AccessKeyVariable] = "env-key",
            [S3BlobStoreOptions.SecretKeyVariable] = "env-secret",
            [S3BlobStoreOptions.RegionVariable] = "us-west-2",
        };

        var fromEnvironment = Parse("s3://baton-blobs", environment);
        var overridden = Parse("s3://baton-blobs?endpoint=http://127.0.0.1:9000&accessKey=q-key", environment);

        Assert.Equal("http://minio:9000", fromEnvironment.ServiceUrl);
        Assert.Equal("env-key", fromEnvironment.AccessKey);
        Assert.Equal("env-secret", fromEnvironment.SecretKey);
        Assert.Equal("us-west-2", fromEnvironment.Region);
        Assert.Equal("http://127.0.0.1:9000", overridden.ServiceUrl);
        Assert.Equal("q-key", overridden.AccessKey);
        Assert.Equal("env-secret", overridden.SecretKey);
    }

    [Fact]
    public void The_secret_never_shows_in_the_text_of_the_options()
    {
        var options = Parse("s3://baton-blobs?secretKey=top-secret");

        Assert.DoesNotContain("top-secret", options.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("baton-blobs")]
    [InlineData("http://baton-blobs")]
    [InlineData("s3://")]
    [InlineData("s3://ab")]
    [InlineData("s3://Baton-Blobs")]
    [InlineData("s3://baton_blobs")]
    [InlineData("s3://-baton")]
    [InlineData("s3://baton-blobs?endpoint=ftp://host")]
    [InlineData("s3://baton-blobs?endpoint=not a url")]
    [InlineData("s3://baton-blobs?forcePathStyle=maybe")]
    [InlineData("s3://baton-blobs?bucket=other")]
    public void A_malformed_uri_is_refused_with_a_reason(string uri)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse(uri));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
