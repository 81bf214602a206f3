using Identity.Contracts.Health;

namespace Identity.Grains.Health;

/// <summary>How a silo checks the grain storage it was configured with (PostgreSQL, memory, a test store).</summary>
public interface IStorageHealthCheck
{
    Task<StorageHealth> CheckAsync();
}

/// <summary>For storage that cannot fail on its own: process memory, or a store the host brought.</summary>
internal sealed class InProcessStorageHealthCheck : IStorageHealthCheck
{
    private static readonly Task<StorageHealth> Healthy = Task.FromResult(new StorageHealth(true, "Grain state in this process's memory."));

    public Task<StorageHealth> CheckAsync() => Healthy;
}
