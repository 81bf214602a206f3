using Identity.Contracts.Health;
using Orleans.Concurrency;

namespace Identity.Grains.Health;

/// <summary>Answers on whichever silo the caller reaches first; never persisted.</summary>
[StatelessWorker]
public sealed class GridProbeGrain(ILocalSiloDetails silo, IStorageHealthCheck storage) : Grain, IGridProbeGrain
{
    public Task<string> ProbeAsync() => Task.FromResult(silo.Name);

    public Task<StorageHealth> CheckStorageAsync() => storage.CheckAsync();
}
