using Baton.Storage.Tests.Contract;

namespace Baton.Storage.Tests.Postgres;

// The storage contract suite run against PostgreSQL: one line per area, each test on its own fresh database.

public sealed class PostgresJobQueryContractTests : JobQueryContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobClaimContractTests : JobClaimContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobAttemptContractTests : JobAttemptContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobLeaseContractTests : JobLeaseContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobLogContractTests : JobLogContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresAgentStoreContractTests : AgentStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresPackageStoreContractTests : PackageStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresTenantAndKeyStoreContractTests : TenantAndKeyStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresMigrationContractTests : MigrationContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresQueueContractTests : QueueContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresEventStoreContractTests : EventStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresScheduleContractTests : ScheduleContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresWebhookStoreContractTests : WebhookStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresCalendarContractTests : CalendarContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresSharedPoolContractTests : SharedPoolContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresDispatchContractTests : DispatchContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobBatchClaimContractTests : JobBatchClaimContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobLogLimitContractTests : JobLogLimitContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresRetentionContractTests : RetentionContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobSubmitManyContractTests : JobSubmitManyContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresAuditStoreContractTests : AuditStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobAttemptBatchContractTests : JobAttemptBatchContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresDataKeyStoreContractTests : DataKeyStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresAutoscaleContractTests : AutoscaleContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresStatisticsContractTests : StatisticsContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresJobListSizeContractTests : JobListSizeContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresAssetStoreContractTests : AssetStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresArtifactStoreContractTests : ArtifactStoreContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresWorkItemContractTests : WorkItemContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}

public sealed class PostgresWorkItemTriggerContractTests : WorkItemTriggerContractTests
{
    protected override ITestStoreBackend CreateBackend() => new PostgresTestBackend();
}
