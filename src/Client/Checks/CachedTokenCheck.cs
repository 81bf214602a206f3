using Identity.Contracts.Sessions;

namespace Identity.Client.Checks;

/// <summary>
/// What both modes share: active answers kept in a <see cref="CheckCache"/> for
/// <see cref="IdentityGridOptions.CacheDuration"/> while push revocation is live (the grid tells
/// this process the moment a session ends), else for <see cref="IdentityGridOptions.CacheDurationWithoutPush"/>;
/// never past the token's own expiry. Each mode says how to ask the grid (<see cref="AskAsync"/>).
/// </summary>
internal abstract class CachedTokenCheck(IdentityGridOptions options, TimeProvider time) : ITokenCheck
{
    private volatile bool _pushLive;

    public CheckCache Cache { get; } = new(options.CacheSizeLimit, 2 * options.IntrospectionTimeout, time);

    public IdentityGridOptions Options => options;

    /// <summary>Whether push revocation is live; when it stops, everything cached under its longer lifetime is dropped.</summary>
    public bool PushLive
    {
        get => _pushLive;
        set
        {
            _pushLive = value;
            if (!value)
            {
                Cache.Clear();
            }
        }
    }

    public async ValueTask<GridSession?> CheckAsync(SessionToken token, string text, CancellationToken cancellationToken)
    {
        if (Cache.TryGet(token) is { } cached)
        {
            return cached;
        }

        var mark = Cache.Mark();
        var session = await AskAsync(token, text, cancellationToken);
        if (session is not null)
        {
            var until = time.GetUtcNow() + (_pushLive ? options.CacheDuration : options.CacheDurationWithoutPush);
            Cache.TryAdd(token, session, until < session.ExpiresAt ? until : session.ExpiresAt, mark);
        }

        return session;
    }

    /// <summary>Asks the grid; throws <see cref="GridUnavailableException"/> when it cannot be asked.</summary>
    protected abstract ValueTask<GridSession?> AskAsync(SessionToken token, string text, CancellationToken cancellationToken);
}
