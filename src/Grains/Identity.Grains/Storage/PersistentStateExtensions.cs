using Identity.Contracts.Errors;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Identity.Grains.Storage;

internal static partial class PersistentStateExtensions
{
    /// <summary>How long clients are asked to wait before retrying a change that could not be saved.</summary>
    public static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes the state. If the write fails, <paramref name="before"/> is put back, so memory never
    /// holds a change that storage does not, and the caller gets a retryable
    /// <see cref="IdentityUnavailableException"/>. A version conflict also deactivates the grain
    /// so the next call reloads what storage holds.
    /// </summary>
    public static async Task WriteOrRestoreAsync<T>(this IPersistentState<T> state, T before, Grain grain, ILogger logger)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not IdentityUnavailableException)
        {
            state.State = before;
            throw StorageFailed(ex, grain, logger);
        }
    }

    /// <summary>Deletes the state row; on failure memory is unchanged and a retryable error is raised.</summary>
    public static async Task ClearOrThrowAsync<T>(this IPersistentState<T> state, Grain grain, ILogger logger)
    {
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception ex) when (ex is not IdentityUnavailableException)
        {
            throw StorageFailed(ex, grain, logger);
        }
    }

    private static IdentityUnavailableException StorageFailed(Exception ex, Grain grain, ILogger logger)
    {
        if (ex is InconsistentStateException)
        {
            grain.DeactivateOnIdle();
        }

        LogStorageFailed(logger, ex, grain.GetGrainId());
        // The inner exception stays here: provider exceptions need not be serializable to the caller.
        return new IdentityUnavailableException(UnavailableReason.StorageUnavailable, StorageRetryAfter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not persist state of {GrainId}; the change was rolled back")]
    private static partial void LogStorageFailed(ILogger logger, Exception exception, GrainId grainId);
}
