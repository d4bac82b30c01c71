using Baton.Storage.Tests.Contract;

namespace Baton.Storage.Tests.Sqlite;

// The storage contract suite run against SQLite: one line per area, each on its own temporary database file.

public sealed class SqliteJobQueryContractTests : JobQueryContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobClaimContractTests : JobClaimContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobAttemptContractTests : JobAttemptContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobLeaseContractTests : JobLeaseContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobLogContractTests : JobLogContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteAgentStoreContractTests : AgentStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqlitePackageStoreContractTests : PackageStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteTenantAndKeyStoreContractTests : TenantAndKeyStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteMigrationContractTests : MigrationContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteQueueContractTests : QueueContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteEventStoreContractTests : EventStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteScheduleContractTests : ScheduleContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteWebhookStoreContractTests : WebhookStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteCalendarContractTests : CalendarContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteSharedPoolContractTests : SharedPoolContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteDispatchContractTests : DispatchContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobBatchClaimContractTests : JobBatchClaimContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobLogLimitContractTests : JobLogLimitContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteRetentionContractTests : RetentionContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobSubmitManyContractTests : JobSubmitManyContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteAuditStoreContractTests : AuditStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobAttemptBatchContractTests : JobAttemptBatchContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteDataKeyStoreContractTests : DataKeyStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteAutoscaleContractTests : AutoscaleContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteStatisticsContractTests : StatisticsContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteJobListSizeContractTests : JobListSizeContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteAssetStoreContractTests : AssetStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteArtifactStoreContractTests : ArtifactStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteWorkItemContractTests : WorkItemContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}

public sealed class SqliteWorkItemTriggerContractTests : WorkItemTriggerContractTests
{
    protected override ITestStoreBackend CreateBackend() => new SqliteTestBackend();
}
