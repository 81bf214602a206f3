using Orleans.Runtime.Messaging;

namespace Identity.Api.Grid;

/// <summary>
/// Retries grain calls that are safe to repeat — validations and reads — when the silo they
/// reached went away mid-call (killed, restarting, not yet known dead). The grid declares a
/// dead silo in about 2 s and the grain comes back elsewhere from storage. Until then a retry
/// meets the dead silo again and fails fast (its connection is refused) or times out after the
/// read timeout (1 s), so retries come often at first and then every half second, for about
/// 10 s at most. Writes are never retried here: a lost reply does not say whether the write happened.
/// </summary>
internal static class SafeRetry
{
    private static readonly TimeSpan[] Backoff =
        [.. new[] { 100, 200, 300, 400, 500, 500, 500, 500, 500, 500 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    public static async ValueTask<TResult> ReadAsync<TState, TResult>(TState state, Func<TState, ValueTask<TResult>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(state);
        }
        catch (Exception ex) when (IsSiloLoss(ex))
        {
            return await RetryAfterLossAsync(state, call, cancellationToken);
        }
    }

    /// <summary>
    /// The retries of <see cref="ReadAsync"/>, for a caller that made the first attempt itself (the
    /// token check does: awaiting the grain in its own method saves an allocation per request).
    /// </summary>
    public static async ValueTask<TResult> RetryAfterLossAsync<TState, TResult>(TState state, Func<TState, ValueTask<TResult>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await Task.Delay(Backoff[attempt], cancellationToken);
            try
            {
                return await call(state);
            }
            catch (Exception ex) when (attempt < Backoff.Length - 1 && IsSiloLoss(ex))
            {
            }
        }
    }

    /// <summary>
    /// Rejections and broken connections, and timeouts: reads carry a short response timeout
    /// (<see cref="Identity.Contracts.Sessions.ISessionGrain.ReadTimeout"/>), so a timeout means the call met a dead silo.
    /// </summary>
    public static bool IsSiloLoss(Exception exception) =>
        exception is OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or ClientNotAvailableException or TimeoutException;
}
