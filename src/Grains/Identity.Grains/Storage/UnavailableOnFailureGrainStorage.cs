using Identity.Contracts.Errors;
using Orleans.Storage;

namespace Identity.Grains.Storage;

/// <summary>
/// Wraps the real storage provider so a failure reaches callers as the contract's
/// <see cref="IdentityUnavailableException"/> (503 at the edge), never as a provider exception.
/// That matters most where no grain code runs — loading state while a grain activates — and
/// across process boundaries, where an Npgsql exception cannot even be serialized: the caller
/// would wait out the response timeout instead of hearing "unavailable" at once.
/// Version conflicts pass through unchanged; grains act on them.
/// </summary>
internal sealed class UnavailableOnFailureGrainStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.ClearStateAsync(stateName, grainId, grainState));

    private static async Task Guard(Task operation)
    {
        try
        {
            await operation;
        }
        catch (Exception ex) when (ex is not InconsistentStateException and not IdentityUnavailableException)
        {
            throw new IdentityUnavailableException(UnavailableReason.StorageUnavailable, StateChanges.StorageRetryAfter);
        }
    }
}
