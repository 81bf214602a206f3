using Identity.Contracts.Errors;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace Identity.Grains.Storage;

/// <summary>
/// A change to a grain's persistent state that is either written or undone: take it with
/// <see cref="StateChanges.BeginChange{T}"/> in a <c>using</c>, change <c>state.State</c> (and call
/// other grains), then <see cref="CommitAsync"/>. Anything that throws before the write returned —
/// a failed call to another grain, the write itself — puts memory back as it was, so memory never
/// holds a change that storage does not and nothing is acknowledged unwritten.
/// </summary>
internal sealed class StateChange<T> : IDisposable
    where T : class
{
    private readonly IPersistentState<T> state;
    private readonly T before;
    private readonly Grain grain;
    private readonly ILogger logger;
    private bool committed;

    internal StateChange(IPersistentState<T> state, DeepCopier<T> copier, Grain grain, ILogger logger)
    {
        this.state = state;
        before = copier.Copy(state.State);
        this.grain = grain;
        this.logger = logger;
    }

    /// <summary>
    /// Writes the state. On failure memory is restored and the caller gets a retryable
    /// <see cref="IdentityUnavailableException"/>; a version conflict also deactivates the grain so
    /// the next call reloads what storage holds.
    /// </summary>
    public async Task CommitAsync()
    {
        try
        {
            await state.WriteStateAsync();
            committed = true;
        }
        catch (Exception ex)
        {
            state.State = before;
            throw StateChanges.StorageFailed(ex, grain, logger);
        }
    }

    public void Dispose()
    {
        if (!committed)
        {
            state.State = before;
        }
    }
}

internal static partial class StateChanges
{
    /// <summary>How long clients are asked to wait before retrying a change that could not be saved.</summary>
    public static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Starts a change of <paramref name="state"/>: a copy is kept until it is committed or undone.</summary>
    public static StateChange<T> BeginChange<T>(this IPersistentState<T> state, DeepCopier<T> copier, Grain grain, ILogger logger)
        where T : class =>
        new(state, copier, grain, logger);

    /// <summary>Deletes the state row; on failure memory is unchanged and a retryable error is raised.</summary>
    public static async Task ClearOrThrowAsync<T>(this IPersistentState<T> state, Grain grain, ILogger logger)
    {
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception ex)
        {
            throw StorageFailed(ex, grain, logger);
        }
    }

    internal static IdentityUnavailableException StorageFailed(Exception ex, Grain grain, ILogger logger)
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
