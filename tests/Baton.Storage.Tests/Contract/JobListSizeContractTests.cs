using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>A page of jobs carries no large inputs, results or errors; reading the job itself does.</summary>
public abstract class JobListSizeContractTests : StoreContractTests
{
    [Fact]
    public async Task Large_inputs_results_and_errors_stay_out_of_a_page()
    {
        var tenant = await CreateTenantAsync("acme");
        var big = JsonSerializer.SerializeToElement(new { name = new string('n', 10_000) });
        var (large, _) = await Store.Jobs.SubmitAsync(NewJob(tenant) with { Inputs = big }, Ct);
        var small = await SubmitAsync(tenant);
        Assert.Single(await ClaimAsync(tenant, "agent-1", maxJobs: 2, canRun: j => j.Id == large.Id));
        await Store.Jobs.CompleteAttemptAsync(new AttemptCompletion(tenant, large.Id, "agent-1", 1, JobOutcome.Failed, 1,
            JsonSerializer.SerializeToElement(new { rows = new string('r', 10_000) }), new string('e', 5000) + "the end"), Ct);

        var page = await Store.Jobs.ListAsync(tenant, new JobQuery(null, null, null, null, 10), Ct);

        var listedLarge = page.Items.Single(j => j.Id == large.Id);
        Assert.True(listedLarge.InputsOmitted);
        Assert.Equal(JsonValueKind.Null, listedLarge.Inputs.ValueKind);
        Assert.True(listedLarge.ResultOmitted);
        Assert.Equal(1024, listedLarge.Error!.Length);
        Assert.EndsWith("the end", listedLarge.Error, StringComparison.Ordinal);
        var listedSmall = page.Items.Single(j => j.Id == small.Id);
        Assert.False(listedSmall.InputsOmitted);
        Assert.Equal("Ada", listedSmall.Inputs.GetProperty("name").GetString());

        var read = (await Store.Jobs.GetAsync(tenant, large.Id, Ct))!;
        Assert.False(read.InputsOmitted);
        Assert.Equal(10_000, read.Inputs.GetProperty("name").GetString()!.Length);
        Assert.Equal(5007, read.Error!.Length);
    }
}
