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
/// holds a change that storage does not and nothing is acknowledged unwritten. A failed write is a
/// retryable 503 when storage is unavailable, and surfaces as it is (a 500) when it is a bug.
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
    /// Writes the state. On failure memory is restored, and the caller gets a retryable
    /// <see cref="IdentityUnavailableException"/> when storage is unavailable or another activation
    /// wrote first (see <see cref="StateChanges.ThrowIfUnavailable"/>).
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
            StateChanges.ThrowIfUnavailable(ex, grain, logger);
            throw;
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
            ThrowIfUnavailable(ex, grain, logger);
            throw;
        }
    }

    /// <summary>
    /// For a storage failure that a retry may cure — the store is unavailable, or another activation
    /// wrote first (then this one also deactivates, so the next call reloads) — throws the retryable
    /// <see cref="IdentityUnavailableException"/>. Returns for anything else: a bug, which the caller
    /// rethrows as it is (500), so that no retry hides it.
    /// </summary>
    internal static void ThrowIfUnavailable(Exception exception, Grain grain, ILogger logger)
    {
        var conflict = Find<InconsistentStateException>(exception) is not null;
        if (conflict)
        {
            grain.DeactivateOnIdle();
        }

        if (conflict || Find<IdentityUnavailableException>(exception) is not null || UnavailableOnFailureGrainStorage.IsOutage(exception))
        {
            LogStorageFailed(logger, exception, grain.GetGrainId());
            // Not the provider's exception as inner: it need not be serializable to the caller.
            throw new IdentityUnavailableException(UnavailableReason.StorageUnavailable, StorageRetryAfter);
        }
    }

    private static TException? Find<TException>(Exception? exception)
        where TException : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is TException found)
            {
                return found;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not persist state of {GrainId}; the change was rolled back")]
    private static partial void LogStorageFailed(ILogger logger, Exception exception, GrainId grainId);
}
