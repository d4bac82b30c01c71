using Baton.Core.Jobs;

namespace Baton.Storage.Tests.Contract;

/// <summary>Creates stores of one backend on fresh, private data; disposing removes that data.</summary>
public interface ITestStoreBackend : IAsyncDisposable
{
    /// <summary>A store on this backend's data; called again, it opens another store on the same data.</summary>
    IBatonStore CreateStore(TimeProvider time, RetryPolicy retryPolicy);
}
