using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Sessions;

/// <summary>
/// Writes "last seen" for the sessions of this silo that were used since their last write, once
/// per <see cref="SessionOptions.LastSeenWriteInterval"/>, a few at a time. A timer per session
/// would fire in a herd (every session validated in one busy minute comes due in the same
/// minute) and those best-effort writes would take the connections that acknowledged writes —
/// logins, refreshes, logouts — need; here at most <see cref="MaxConcurrentWrites"/> run at once.
/// Found by the benchmark: 10,000 sessions validated together exhausted the connection pool five
/// minutes later.
/// </summary>
public sealed partial class LastSeenFlusher(IGrainFactory grains, IOptions<SessionOptions> options, ILogger<LastSeenFlusher> logger) : BackgroundService
{
    public const int MaxConcurrentWrites = 8;
    private readonly ConcurrentDictionary<Guid, byte> _due = new();

    internal void MarkDue(Guid sessionId) => _due.TryAdd(sessionId, 0);

    internal void Forget(Guid sessionId) => _due.TryRemove(sessionId, out _);

    /// <summary>Writes every session that is due now; returns how many were written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var due = _due.Keys.ToList();
        var written = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken }, async (sessionId, _) =>
        {
            _due.TryRemove(sessionId, out var _);
            try
            {
                if (await grains.GetGrain<ISessionLifecycleGrain>(sessionId).FlushLastSeenAsync())
                {
                    Interlocked.Increment(ref written);
                }
            }
#pragma warning disable CA1031 // Best effort: the session is marked due again by its next use, or flushed on deactivation.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFlushFailed(logger, ex, sessionId);
            }
        });
        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time paces this, not the identity clock: it is about storage load, not session rules.
        using var timer = new PeriodicTimer(options.Value.LastSeenWriteInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: deactivation writes whatever is still due.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write last-seen of session {SessionId}")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, Guid sessionId);
}
