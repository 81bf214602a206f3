using System.Collections.Concurrent;
using Identity.Contracts.Sessions;

namespace Identity.Client.Checks;

/// <summary>
/// Remote mode's memory of active answers: per session, the last checked token's digest and what
/// the grid said, until a deadline. Bounded (<see cref="IdentityGridOptions.CacheSizeLimit"/>
/// sessions). Dropping a session or clearing everything also refuses answers to checks that were
/// already in flight when it happened, so a revocation can never be undone by a late answer.
/// </summary>
/// <param name="limit">At most this many sessions are cached.</param>
/// <param name="time">The clock deadlines are read on.</param>
/// <param name="inFlight">The longest a check can be in flight: how long an ended session is remembered.</param>
internal sealed class CheckCache(int limit, TimeSpan inFlight, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly ConcurrentDictionary<Guid, (long Sequence, DateTimeOffset At)> _ended = new();
    private long _sequence;
    private long _clearedAt;
    private DateTimeOffset _nextPrune;

    public int Count => _entries.Count;

    /// <summary>Taken before asking the grid; <see cref="TryAdd"/> compares it with later drops.</summary>
    public long Mark() => Interlocked.Read(ref _sequence);

    public GridSession? TryGet(in SessionToken token)
    {
        if (_entries.TryGetValue(token.SessionId, out var entry) && entry.Digest.FixedTimeEquals(token.Digest))
        {
            if (time.GetUtcNow() < entry.Until)
            {
                return entry.Session;
            }

            _entries.TryRemove(new KeyValuePair<Guid, Entry>(token.SessionId, entry));
        }

        return null;
    }

    /// <summary>Keeps an active answer until <paramref name="until"/>, unless the session ended (or everything was cleared) since <paramref name="mark"/>.</summary>
    public void TryAdd(in SessionToken token, GridSession session, DateTimeOffset until, long mark)
    {
        if (until <= time.GetUtcNow())
        {
            return;
        }

        if (_entries.Count >= limit && !_entries.ContainsKey(token.SessionId))
        {
            RemoveExpired();
            if (_entries.Count >= limit)
            {
                return;
            }
        }

        _entries[token.SessionId] = new Entry(token.Digest, session, until);
        // Checked after writing: a drop racing with this insert either sees the entry or is seen here.
        if (Interlocked.Read(ref _clearedAt) > mark || (_ended.TryGetValue(token.SessionId, out var ended) && ended.Sequence > mark))
        {
            _entries.TryRemove(token.SessionId, out _);
        }
    }

    /// <summary>The session ended: forget it, and refuse in-flight answers about it.</summary>
    public void Drop(Guid sessionId)
    {
        var now = time.GetUtcNow();
        _ended[sessionId] = (Interlocked.Increment(ref _sequence), now);
        _entries.TryRemove(sessionId, out _);
        if (now >= _nextPrune)
        {
            // Only checks in flight need the record: older ones are forgotten.
            _nextPrune = now + inFlight;
            foreach (var (id, at) in _ended)
            {
                if (now - at.At > inFlight)
                {
                    _ended.TryRemove(new KeyValuePair<Guid, (long, DateTimeOffset)>(id, at));
                }
            }
        }
    }

    /// <summary>Revocations may have been missed: forget everything, and refuse every in-flight answer.</summary>
    public void Clear()
    {
        Interlocked.Exchange(ref _clearedAt, Interlocked.Increment(ref _sequence));
        _entries.Clear();
        _ended.Clear();
    }

    private void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (sessionId, entry) in _entries)
        {
            if (entry.Until <= now)
            {
                _entries.TryRemove(new KeyValuePair<Guid, Entry>(sessionId, entry));
            }
        }
    }

    private sealed record Entry(TokenDigest Digest, GridSession Session, DateTimeOffset Until);
}
