using System.Collections.Concurrent;
using System.Net;
using Identity.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Identity.Api.Http;

/// <summary>
/// Per-client-IP budget of token checks that failed after reaching a session grain. Tokens carry
/// 256 random bits, so guessing one is hopeless; what a flood of made-up tokens costs is a storage
/// read each. Past the budget, an address's token checks (access and refresh) answer 429 without
/// touching the grid until its bucket refills. Valid tokens spend nothing.
/// A bucket exists only for an address that failed recently, so the check on the hot path is one
/// lock-free dictionary miss (the framework's partitioned limiter takes a global lock per call).
/// </summary>
internal sealed class FailedTokenChecks(
    IOptions<RateLimitOptions> options,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly int limit = options.Value.FailedTokenChecksPerMinute;
    private readonly ConcurrentDictionary<IPAddress, Bucket> buckets = new();
    private long nextSweepTicks;

    private TimeSpan RefillPerToken => TimeSpan.FromMinutes(1) / limit;

    /// <summary>Whether this client has used up its failures; if so, when one is back.</summary>
    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (limit == 0 || context.Connection.RemoteIpAddress is not { } address || !buckets.TryGetValue(address, out var bucket))
        {
            return false;
        }

        lock (bucket)
        {
            var available = bucket.AvailableAt(time.GetUtcNow(), limit, RefillPerToken);
            if (available >= 1)
            {
                return false;
            }

            retryAfter = (1 - available) * RefillPerToken;
            return true;
        }
    }

    public void Record(HttpContext context)
    {
        if (limit == 0 || context.Connection.RemoteIpAddress is not { } address)
        {
            return;
        }

        var now = time.GetUtcNow();
        var bucket = buckets.GetOrAdd(address, static (_, state) => new Bucket(state.limit, state.now), (limit, now));
        lock (bucket)
        {
            bucket.Spend(now, limit, RefillPerToken);
        }

        SweepFullBuckets(now);
    }

    /// <summary>Forgets addresses whose budget has refilled, so the table holds only recent failers.</summary>
    private void SweepFullBuckets(DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref nextSweepTicks))
        {
            return;
        }

        Volatile.Write(ref nextSweepTicks, (now + SweepInterval).UtcTicks);
        foreach (var (address, bucket) in buckets)
        {
            bool full;
            lock (bucket)
            {
                full = bucket.AvailableAt(now, limit, RefillPerToken) >= limit;
            }

            if (full)
            {
                buckets.TryRemove(new KeyValuePair<IPAddress, Bucket>(address, bucket));
            }
        }
    }

    /// <summary>A token bucket refilled lazily from the clock. Guarded by its own lock.</summary>
    private sealed class Bucket(int limit, DateTimeOffset now)
    {
        private double available = limit;
        private DateTimeOffset updated = now;

        public double AvailableAt(DateTimeOffset now, int limit, TimeSpan refillPerToken)
        {
            if (now > updated)
            {
                available = Math.Min(limit, available + ((now - updated) / refillPerToken));
                updated = now;
            }

            return available;
        }

        public void Spend(DateTimeOffset now, int limit, TimeSpan refillPerToken) =>
            available = Math.Max(0, AvailableAt(now, limit, refillPerToken) - 1);
    }
}
