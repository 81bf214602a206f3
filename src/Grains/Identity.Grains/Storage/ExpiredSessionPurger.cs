using Identity.Grains.Hosting;
using Identity.Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Identity.Grains.Storage;

/// <summary>
/// Keeps session storage bounded without a reminder per session. Every
/// <see cref="StorageOptions.PurgeInterval"/> one silo (elected by the store: a PostgreSQL advisory
/// lock; SQLite has one node) selects stored sessions whose <c>purge_after</c> — the expiry they
/// had when last written — has passed, and asks each session grain to purge itself. The grain decides with what it holds
/// in memory: an expired session deletes its row and leaves its user's list; one still in use
/// (its newer "last seen" not yet written) writes itself back with a later purge time.
/// A session's row is therefore gone at most one purge interval after the session expired.
/// </summary>
public sealed partial class ExpiredSessionPurger(
    IExpiredSessionStore store,
    IGrainFactory grains,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    IOptions<StorageOptions> storageOptions,
    IOptions<ClusterOptions> cluster,
    ILogger<ExpiredSessionPurger> logger) : BackgroundService
{
    private readonly StorageOptions settings = storageOptions.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.PurgeInterval, time, stoppingToken);
                var purged = await PurgeExpiredSessionsAsync(stoppingToken);
                if (purged > 0)
                {
                    LogPurged(logger, purged);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The purge must outlive a database outage; the next interval retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPurgeRoundFailed(logger, ex);
            }
        }
    }

    /// <summary>One purge round; returns how many sessions were deleted. Returns 0 at once when another silo is purging.</summary>
    public async Task<int> PurgeExpiredSessionsAsync(CancellationToken cancellationToken = default)
    {
        await using var round = await store.TryStartPurgeAsync(cancellationToken);
        if (round is null)
        {
            return 0;
        }

        var purged = 0;
        while (true)
        {
            var candidates = await round.ExpiredAsync(
                cluster.Value.ServiceId, time.GetUtcNow().ToUnixTimeSeconds(), settings.PurgeBatchSize, cancellationToken);
            var outcomes = await Task.WhenAll(candidates.Select(PurgeOneAsync));
            purged += outcomes.Count(o => o == true);
            // Stop when the backlog is done, or when nothing in a batch could be handled (grains failing).
            if (candidates.Count < settings.PurgeBatchSize || outcomes.All(o => o is null))
            {
                return purged;
            }
        }
    }

    private async Task<bool?> PurgeOneAsync(Guid sessionId)
    {
        try
        {
            return await grains.GetGrain<ISessionLifecycleGrain>(sessionId).PurgeIfExpiredAsync();
        }
#pragma warning disable CA1031 // One session failing must not stop the purge; it is picked up again next time.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPurgeFailed(logger, ex, sessionId);
            return null;
        }
    }

    /// <summary>The Orleans ADO.NET provider stores a Guid key as the two halves of its byte form.</summary>
    public static Guid GuidOf(long n0, long n1)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, n0);
        BitConverter.TryWriteBytes(bytes[8..], n1);
        return new Guid(bytes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired sessions from storage")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired sessions failed; it runs again next interval")]
    private static partial void LogPurgeRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not purge session {SessionId}")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, Guid sessionId);
}
