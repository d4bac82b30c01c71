using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Security;
using CredentialCache = Baton.Server.Security.CredentialCache;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Security;

/// <summary>
/// The API key cache on PostgreSQL with two replicas: a key revoked on one replica is refused there at once and on
/// the other within <see cref="CredentialCache.Lifetime"/>, also while a herd of its requests keeps the other
/// replica's entry hot (one shared read per expiry, never a stale read stored after the revocation).
/// </summary>
public sealed class KeyRevocationReplicaTests : TwoPostgresReplicas
{
    [Fact]
    public async Task A_key_revoked_on_one_replica_is_refused_there_at_once_and_on_the_other_within_the_cache_lifetime()
    {
        using var tenant = await A.CreateTenantAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("ci", "operator"))
            .ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var onA = A.Client(created.Secret);
        using var onB = B.Client(created.Secret);

        // A herd of concurrent first requests on each replica: all authenticated by the key's shared read.
        var herd = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? onA : onB).GetAsync("/api/v1/jobs")).ToList();
        foreach (var response in await Task.WhenAll(herd))
        {
            using (response) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Replica B keeps its entry hot while A revokes the key.
        using var stop = new CancellationTokenSource();
        var keepHot = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await onB.GetAsync("/api/v1/jobs", CancellationToken.None);
                await Task.Delay(10, CancellationToken.None);
            }
        });
        await tenant.Client.DeleteAsync($"/api/v1/keys/{created.Key.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        var revokedAt = Stopwatch.StartNew();
        await onA.GetAsync("/api/v1/jobs").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        var bound = CredentialCache.Lifetime + TimeSpan.FromSeconds(2);
        while (true)
        {
            using var response = await onB.GetAsync("/api/v1/jobs");
            if (response.StatusCode == HttpStatusCode.Unauthorized) break;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(revokedAt.Elapsed < bound, $"replica B still accepted the revoked key after {revokedAt.Elapsed}");
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await keepHot;

        // Refused for good on both, whatever the caches do next.
        await Task.Delay(CredentialCache.Lifetime);
        await onA.GetAsync("/api/v1/jobs").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await onB.GetAsync("/api/v1/jobs").ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }
}
