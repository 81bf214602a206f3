using System.Collections.Concurrent;

namespace Identity.Api.RateLimiting;

/// <summary>
/// One token bucket per key (a client address), holding up to <c>perMinute</c> tokens and refilled
/// continuously at exactly <c>perMinute</c> a minute from the identity clock, so tests drive it with
/// fake time. A bucket exists only for a key that spent recently: a lookup for anyone else is one
/// lock-free dictionary miss (the framework's partitioned limiter takes a global lock per call, and
/// runs on its own clock). Full buckets are forgotten once a minute, so the table holds only recent
/// spenders.
/// </summary>
internal sealed class TokenBuckets<TKey>(int perMinute, TimeProvider time)
    where TKey : notnull
{
    private static readonly TimeSpan ForgetInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<TKey, Bucket> buckets = new();
    private readonly TimeSpan refillPerToken = perMinute > 0 ? TimeSpan.FromMinutes(1) / perMinute : TimeSpan.MaxValue;
    private long nextForgetTicks;

    /// <summary>Zero per minute turns the limit off.</summary>
    public bool IsOff => perMinute == 0;

    /// <summary>Takes a token for <paramref name="key"/>; when there is none, false and how long until one is back.</summary>
    public bool TryTake(TKey key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (IsOff)
        {
            return true;
        }

        var now = time.GetUtcNow();
        var bucket = buckets.GetOrAdd(key, static (_, state) => new Bucket(state.perMinute, state.now), (perMinute, now));
        bool taken;
        lock (bucket)
        {
            taken = bucket.TryTake(now, perMinute, refillPerToken, out retryAfter);
        }

        ForgetFullBuckets(now);
        return taken;
    }

    /// <summary>Whether <paramref name="key"/> has no token left, without spending or creating anything.</summary>
    public bool IsEmpty(TKey key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (IsOff || !buckets.TryGetValue(key, out var bucket))
        {
            return false;
        }

        lock (bucket)
        {
            return bucket.IsEmpty(time.GetUtcNow(), perMinute, refillPerToken, out retryAfter);
        }
    }

    /// <summary>Spends a token for something that already happened (a failed check); an empty bucket stays empty.</summary>
    public void Spend(TKey key) => TryTake(key, out _);

    private void ForgetFullBuckets(DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref nextForgetTicks))
        {
            return;
        }

        Volatile.Write(ref nextForgetTicks, (now + ForgetInterval).UtcTicks);
        foreach (var (key, bucket) in buckets)
        {
            bool full;
            lock (bucket)
            {
                full = bucket.IsFull(now, perMinute, refillPerToken);
            }

            if (full)
            {
                buckets.TryRemove(new KeyValuePair<TKey, Bucket>(key, bucket));
            }
        }
    }

    /// <summary>Tokens refilled lazily from the clock. Guarded by its own lock.</summary>
    private sealed class Bucket(int capacity, DateTimeOffset now)
    {
        private double available = capacity;
        private DateTimeOffset updated = now;

        public bool TryTake(DateTimeOffset now, int capacity, TimeSpan refillPerToken, out TimeSpan retryAfter)
        {
            if (IsEmpty(now, capacity, refillPerToken, out retryAfter))
            {
                return false;
            }

            available -= 1;
            return true;
        }

        public bool IsEmpty(DateTimeOffset now, int capacity, TimeSpan refillPerToken, out TimeSpan retryAfter)
        {
            Refill(now, capacity, refillPerToken);
            retryAfter = available >= 1 ? TimeSpan.Zero : (1 - available) * refillPerToken;
            return available < 1;
        }

        public bool IsFull(DateTimeOffset now, int capacity, TimeSpan refillPerToken)
        {
            Refill(now, capacity, refillPerToken);
            return available >= capacity;
        }

        private void Refill(DateTimeOffset now, int capacity, TimeSpan refillPerToken)
        {
            if (now > updated)
            {
                available = Math.Min(capacity, available + ((now - updated) / refillPerToken));
                updated = now;
            }
        }
    }
}
