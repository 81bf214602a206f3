using System.Data.Common;
using System.Net.Sockets;
using System.Diagnostics;
using Identity.Contracts.Errors;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Identity.Grains.Storage;

/// <summary>
/// Wraps the real storage provider so an outage reaches callers as the contract's
/// <see cref="IdentityUnavailableException"/> (503 at the edge), never as a provider exception.
/// That matters most where no grain code runs — loading state while a grain activates — and
/// across process boundaries, where an Npgsql exception cannot even be serialized: the caller
/// would wait out the response timeout instead of hearing "unavailable" at once.
/// Only failures the database reports as transient (it is down, unreachable, overloaded, timing
/// out) count as an outage; anything else is a bug, logged with its exception here and passed on
/// (500 with a trace id), so that retrying cannot hide it. Version conflicts pass through; grains act on them.
/// Every operation's time, and each failure with its kind, goes to <see cref="GridMetrics"/>.
/// </summary>
internal sealed partial class UnavailableOnFailureGrainStorage(IGrainStorage inner, GridMetrics metrics, ILogger logger) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(Stopwatch.GetTimestamp(), inner.ReadStateAsync(stateName, grainId, grainState), "read", stateName, grainId);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(Stopwatch.GetTimestamp(), inner.WriteStateAsync(stateName, grainId, grainState), "write", stateName, grainId);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(Stopwatch.GetTimestamp(), inner.ClearStateAsync(stateName, grainId, grainState), "clear", stateName, grainId);

    /// <summary>Whether <paramref name="exception"/> says the store is unavailable now, rather than that the request was wrong.</summary>
    internal static bool IsOutage(Exception exception) => exception switch
    {
        DbException db => db.IsTransient || db.InnerException is TimeoutException or SocketException or IOException,
        TimeoutException or SocketException or IOException or OperationCanceledException => true,
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };

    private async Task Guard(long startedAt, Task operation, string name, string stateName, GrainId grainId)
    {
        try
        {
            await operation;
            metrics.StorageOperation(name, stateName, startedAt);
        }
        catch (InconsistentStateException)
        {
            metrics.StorageOperation(name, stateName, startedAt, "conflict");
            throw;
        }
        catch (Exception ex) when (ex is not IdentityUnavailableException)
        {
            if (!IsOutage(ex))
            {
                metrics.StorageOperation(name, stateName, startedAt, "bug");
                LogStorageBug(logger, ex, grainId);
                throw;
            }

            metrics.StorageOperation(name, stateName, startedAt, "outage");

            // The cause is logged here, not attached: a provider's exception need not survive
            // serialization to a caller in another process, which would then see a 500, not a 503.
            LogStorageUnavailable(logger, ex, grainId);
            throw new IdentityUnavailableException(UnavailableReason.StorageUnavailable, StateChanges.StorageRetryAfter);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage is unavailable for {GrainId}; answered as retryable")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed for {GrainId} in a way that is not an outage; this is a bug")]
    private static partial void LogStorageBug(ILogger logger, Exception exception, GrainId grainId);
}
