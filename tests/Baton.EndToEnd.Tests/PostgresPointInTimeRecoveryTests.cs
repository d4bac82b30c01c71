using System.Diagnostics;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// scripts/postgres-pitr.sh (WAL archiving, base backup, restore to a point in time) run end to end by
/// scripts/test-postgres-pitr.sh on a throwaway cluster: rows written after the target time must not come back.
/// </summary>
public sealed class PostgresPointInTimeRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_pitr_script_restores_exactly_to_the_target_time()
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "scripts", "test-postgres-pitr.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains("restored rows: 200 (expected 200)", await stdout, StringComparison.Ordinal);
    }
}
