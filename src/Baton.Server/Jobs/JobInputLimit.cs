using System.Text.Json;
using Baton.Core.Tenancy;

namespace Baton.Server.Jobs;

/// <summary>The tier's cap on a job's inputs (their JSON, defaults applied), for submissions and for schedules when they are saved.</summary>
public static class JobInputLimit
{
    /// <summary>Null when the inputs fit, else the reason (without echoing them).</summary>
    public static string? Check<T>(T inputs, TenantQuotas quotas)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(inputs).LongLength;
        return bytes <= quotas.JobInputBytes
            ? null
            : $"the inputs are {bytes:N0} bytes of JSON; this tenant's limit is {quotas.JobInputBytes:N0} bytes ({quotas.JobInputKb} KiB)";
    }
}
