using Baton.Core.Tenancy;

namespace Baton.Core.Tests.Tenancy;

public sealed class TenantQuotasTests
{
    [Theory]
    [InlineData(Tier.Free, 2, 5, 2, 2, 5, 1_000, 100, 1, 10, 64, 100)]
    [InlineData(Tier.Standard, 10, 25, 10, 5, 20, 5_000, 1_000, 2, 50, 256, 500)]
    [InlineData(Tier.Professional, 50, 100, 50, 20, 100, 20_000, 10_000, 4, 100, 512, 2_048)]
    [InlineData(Tier.Enterprise, 250, 500, 100, 50, 500, 100_000, 50_000, 8, 200, 1024, 10_240)]
    public void Tiers_carry_the_seed_table(
        Tier tier, int agents, int concurrentJobs, int schedules, int queues, double storageGb, int apiCallsPerDay, int pendingJobs, int sharedPoolWeight,
        int logMbPerJob, int jobInputKb, int artifactMbPerJob)
    {
        var quotas = TenantQuotas.ForTier(tier);
        Assert.Equal(new TenantQuotas(agents, concurrentJobs, schedules, queues, storageGb, apiCallsPerDay, pendingJobs, sharedPoolWeight, logMbPerJob, jobInputKb,
            artifactMbPerJob), quotas);
        Assert.Equal(artifactMbPerJob * 1024L * 1024, quotas.ArtifactBytesPerJob);
        Assert.Equal(quotas, TenantQuotas.Resolve(tier, null));
        Assert.Equal(quotas, TenantQuotas.Resolve(tier, QuotaOverrides.None));
        Assert.Equal((long)(storageGb * 1024 * 1024 * 1024), quotas.StorageBytes);
    }

    [Fact]
    public void Overrides_replace_only_the_values_they_set()
    {
        var quotas = TenantQuotas.Resolve(Tier.Standard, new QuotaOverrides(ConcurrentJobs: 40, StorageGb: 0.5));
        Assert.Equal(new TenantQuotas(10, 40, 10, 5, 0.5, 5_000, 1_000, 2, 50, 256, 500), quotas);
        Assert.Equal(512L * 1024 * 1024, quotas.StorageBytes);
    }

    [Fact]
    public void Shared_pool_weight_is_an_override_where_zero_opts_out()
    {
        Assert.Equal(0, TenantQuotas.Resolve(Tier.Enterprise, new QuotaOverrides(SharedPoolWeight: 0)).SharedPoolWeight);
        Assert.Equal(3, TenantQuotas.Resolve(Tier.Free, QuotaOverrides.None.Merge(new QuotaOverrides(SharedPoolWeight: 3))).SharedPoolWeight);
        Assert.NotNull(new QuotaOverrides(SharedPoolWeight: -1).Validate());
        Assert.NotNull(new QuotaOverrides(SharedPoolWeight: QuotaOverrides.MaxSharedPoolWeight + 1).Validate());
        Assert.Null(new QuotaOverrides(SharedPoolWeight: 0).Validate());
    }

    [Fact]
    public void The_artifact_limit_per_job_is_an_override_within_its_bounds()
    {
        Assert.Equal(7, TenantQuotas.Resolve(Tier.Free, new QuotaOverrides(ArtifactMbPerJob: 7)).ArtifactMbPerJob);
        Assert.Equal(9, TenantQuotas.Resolve(Tier.Free, new QuotaOverrides(ArtifactMbPerJob: 7).Merge(new QuotaOverrides(ArtifactMbPerJob: 9))).ArtifactMbPerJob);
        Assert.NotNull(new QuotaOverrides(ArtifactMbPerJob: -1).Validate());
        Assert.NotNull(new QuotaOverrides(ArtifactMbPerJob: QuotaOverrides.MaxArtifactMbPerJob + 1).Validate());
        Assert.Null(new QuotaOverrides(ArtifactMbPerJob: 0).Validate());
    }

    [Fact]
    public void Zero_is_a_real_override()
    {
        var quotas = TenantQuotas.Resolve(Tier.Enterprise, new QuotaOverrides(Agents: 0));
        Assert.Equal(0, quotas.Agents);
        Assert.Equal(500, quotas.ConcurrentJobs);
    }

    [Fact]
    public void Merge_lets_the_update_win_and_keeps_the_rest()
    {
        var current = new QuotaOverrides(Agents: 3, Queues: 7);
        var merged = current.Merge(new QuotaOverrides(Queues: 9, ApiCallsPerDay: 50));
        Assert.Equal(new QuotaOverrides(Agents: 3, Queues: 9, ApiCallsPerDay: 50), merged);
        Assert.Same(current, current.Merge(null));
        Assert.Equal(current, current.Merge(QuotaOverrides.None));
    }

    [Fact]
    public void Empty_overrides_are_recognised()
    {
        Assert.True(QuotaOverrides.None.IsEmpty);
        Assert.True(new QuotaOverrides().IsEmpty);
        Assert.False(new QuotaOverrides(Schedules: 1).IsEmpty);
    }

    [Theory]
    [InlineData(-1, null, null, null, null, null, "quotas.agents")]
    [InlineData(null, -1, null, null, null, null, "quotas.concurrentJobs")]
    [InlineData(null, null, -1, null, null, null, "quotas.schedules")]
    [InlineData(null, null, null, -1, null, null, "quotas.queues")]
    [InlineData(null, null, null, null, -0.1, null, "quotas.storageGb")]
    [InlineData(null, null, null, null, double.NaN, null, "quotas.storageGb")]
    [InlineData(null, null, null, null, double.PositiveInfinity, null, "quotas.storageGb")]
    [InlineData(null, null, null, null, null, -5, "quotas.apiCallsPerDay")]
    public void Validate_names_the_negative_or_non_finite_value(int? agents, int? jobs, int? schedules, int? queues, double? storage, int? calls, string field)
    {
        var reason = new QuotaOverrides(agents, jobs, schedules, queues, storage, calls).Validate();
        Assert.NotNull(reason);
        Assert.StartsWith(field + " ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_zero_and_positive_values()
    {
        Assert.Null(new QuotaOverrides(0, 0, 0, 0, 0, 0).Validate());
        Assert.Null(new QuotaOverrides(1, 2, 3, 4, 5.5, 6).Validate());
        Assert.Null(QuotaOverrides.None.Validate());
    }

    [Theory]
    [InlineData("free", Tier.Free)]
    [InlineData(" Standard ", Tier.Standard)]
    [InlineData("PROFESSIONAL", Tier.Professional)]
    [InlineData("enterprise", Tier.Enterprise)]
    public void Tier_text_round_trips(string text, Tier tier)
    {
        Assert.True(Tiers.TryParse(text, out var parsed));
        Assert.Equal(tier, parsed);
        Assert.Equal(tier, Tiers.Parse(tier.ToText()));
        Assert.False(Tiers.TryParse("gold", out _));
        Assert.Throws<FormatException>(() => Tiers.Parse("gold"));
    }

    [Fact]
    public void Pending_jobs_can_be_overridden_and_must_not_be_negative()
    {
        Assert.Equal(7, TenantQuotas.Resolve(Tier.Free, new QuotaOverrides(PendingJobs: 7)).PendingJobs);
        Assert.Equal(new QuotaOverrides(Agents: 1, PendingJobs: 9), new QuotaOverrides(Agents: 1).Merge(new QuotaOverrides(PendingJobs: 9)));
        Assert.Equal("quotas.pendingJobs must be zero or more", new QuotaOverrides(PendingJobs: -1).Validate());
    }
}
