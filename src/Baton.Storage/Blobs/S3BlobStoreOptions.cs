namespace Baton.Storage.Blobs;

/// <summary>
/// Where <see cref="S3BlobStore"/> keeps blobs: a bucket (and optional key prefix) on AWS S3 or on
/// an S3-compatible server such as MinIO. A class rather than a record so the secret never shows
/// up in a <c>ToString()</c> that lands in a log.
/// </summary>
public sealed class S3BlobStoreOptions
{
    /// <summary>Environment variable with the endpoint of an S3-compatible server (e.g. <c>http://127.0.0.1:9000</c>).</summary>
    public const string EndpointVariable = "BATON_S3_ENDPOINT";
    public const string AccessKeyVariable = "AWS_ACCESS_KEY_ID";
    public const string SecretKeyVariable = "AWS_SECRET_ACCESS_KEY";
    public const string RegionVariable = "AWS_REGION";

    /// <summary>Endpoint of an S3-compatible server; null means AWS itself (the region picks the endpoint).</summary>
    public string? ServiceUrl { get; init; }

    public required string Bucket { get; init; }

    /// <summary>Prepended to every key; normalised to end with <c>/</c> (or empty).</summary>
    public string? Prefix { get; init; }

    /// <summary>Signing region (and, on AWS, the endpoint's region); null means <c>us-east-1</c>.</summary>
    public string? Region { get; init; }

    /// <summary>With <see cref="SecretKey"/>; when both are null the AWS SDK's default credential chain applies.</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary><c>http://host/bucket/key</c> instead of <c>http://bucket.host/key</c>; what MinIO and s3rver expect.</summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>Objects of at least this size are uploaded in parts (a multipart upload).</summary>
    public long MultipartThresholdBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Size of one part of a multipart upload; S3 refuses parts under 5 MiB (except the last).</summary>
    public long PartSizeBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// Reads <c>s3://BUCKET[/PREFIX][?endpoint=URL&amp;region=R&amp;accessKey=K&amp;secretKey=S&amp;forcePathStyle=true|false]</c>,
    /// e.g. <c>s3://baton-blobs?endpoint=http://127.0.0.1:9000</c>. What the query leaves out comes
    /// from <paramref name="environment"/> (the process's when not given; tests pass a dictionary): <c>BATON_S3_ENDPOINT</c>,
    /// <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_REGION</c>.
    /// </summary>
    public static S3BlobStoreOptions Parse(string uri, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        environment ??= Environment.GetEnvironmentVariable;
        const string scheme = "s3://";
        if (!uri.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"A blob store URI must look like s3://BUCKET[/PREFIX], not '{uri}'.", nameof(uri));
        }

        var rest = uri[scheme.Length..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = ParseQuery(queryStart < 0 ? "" : rest[(queryStart + 1)..], uri);
        var path = queryStart < 0 ? rest : rest[..queryStart];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : path[(slash + 1)..];
        if (!IsValidBucketName(bucket))
        {
            throw new ArgumentException(
                $"'{bucket}' is not a valid bucket name in '{uri}': 3 to 63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit.",
                nameof(uri));
        }

        var endpoint = Setting(query, "endpoint", environment, EndpointVariable);
        if (endpoint is not null && !IsHttpUrl(endpoint))
        {
            throw new ArgumentException($"The S3 endpoint must be an http:// or https:// URL, not '{endpoint}'.", nameof(uri));
        }
        var forcePathStyle = true;
        if (query.TryGetValue("forcePathStyle", out var pathStyle) && !bool.TryParse(pathStyle, out forcePathStyle))
        {
            throw new ArgumentException($"forcePathStyle must be true or false, not '{pathStyle}'.", nameof(uri));
        }

        return new S3BlobStoreOptions
        {
            ServiceUrl = endpoint,
            Bucket = bucket,
            Prefix = NormalizePrefix(Uri.UnescapeDataString(prefix)),
            Region = Setting(query, "region", environment, RegionVariable),
            AccessKey = Setting(query, "accessKey", environment, AccessKeyVariable),
            SecretKey = Setting(query, "secretKey", environment, SecretKeyVariable),
            ForcePathStyle = forcePathStyle,
        };
    }

    /// <summary>"a/b", "/a/b/" and "a//b/" all become "a/b/"; nothing becomes "".</summary>
    public static string NormalizePrefix(string? prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix)) return "";
        var parts = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? "" : string.Join('/', parts) + "/";
    }

    private static Dictionary<string, string> ParseQuery(string query, string uri)
    {
        var known = new[] { "endpoint", "region", "accessKey", "secretKey", "forcePathStyle" };
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Unknown setting '{name}' in '{uri}'; known: {string.Join(", ", known)}.", nameof(uri));
            }
            values[name] = value;
        }
        return values;
    }

    private static string? Setting(Dictionary<string, string> query, string name, Func<string, string?> environment, string variable)
    {
        var value = query.TryGetValue(name, out var fromQuery) ? fromQuery : environment(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    private static bool IsValidBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0])
        && char.IsAsciiLetterOrDigit(name[^1]);
}
