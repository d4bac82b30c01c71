using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Secrets;

/// <summary>
/// Before the server listens: load the master keys (generating the default key file on a first zero-configuration
/// start), refuse to start when stored data keys are wrapped by a master key this server lacks (every secret of
/// those tenants would be unreadable), and seal webhook secrets still stored in plain text.
/// </summary>
public static class SecretsStartup
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var masterKeys = services.GetRequiredService<MasterKeyProvider>();
        masterKeys.Current();
        if (masterKeys.GeneratedKeyFile && services.GetRequiredService<IOptions<ServerOptions>>().Value.Storage == "postgres")
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecretsStartup)).LogWarning(
                "This replica generated its own master key ({File}). Replicas sharing a PostgreSQL database need the same master keys: " +
                "set BATON_MASTER_KEYS (or Baton:Server:Secrets:MasterKeyFile) on every replica, or a secret sealed by one cannot be read by another.",
                masterKeys.FilePath);
        }
        var status = await services.GetRequiredService<MasterKeyRotation>().StatusAsync(cancellationToken);
        if (status.MissingMasterKeyIds.Count > 0)
        {
            throw new InvalidOperationException(
                $"Stored data keys are wrapped by master key(s) {string.Join(", ", status.MissingMasterKeyIds)}, which this server does not hold " +
                $"(it has {string.Join(", ", status.MasterKeyIds)} from {status.Source}). Configure the same master keys on every replica " +
                "(Baton:Server:Secrets:MasterKeys, BATON_MASTER_KEYS or a shared key file); see docs/security.md.");
        }
        await services.GetRequiredService<WebhookSecrets>().MigratePlaintextAsync(cancellationToken);
    }
}
