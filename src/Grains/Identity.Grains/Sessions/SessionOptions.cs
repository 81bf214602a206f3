using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Sessions;

/// <summary>Session and token lifetimes. Configuration section <c>Sessions</c>.</summary>
public sealed class SessionOptions
{
    public const string Section = "Sessions";

    /// <summary>How long an access token is accepted after it was issued. Default 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A session with no activity (validation or refresh) for this long ends. Default 14 days.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A session ends this long after login, however active. Default 30 days.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Live sessions one user may hold; a new login beyond it ends the oldest. Default 100.</summary>
    public int MaxSessionsPerUser { get; set; } = 100;

    /// <summary>
    /// "Last seen" is kept in memory and written at most this long after it changed (and on
    /// deactivation). A crash loses at most this much last-seen precision. Default 5 minutes.
    /// </summary>
    public TimeSpan LastSeenWriteInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The expiry a session has at <paramref name="lastSeenAt"/>: idle or absolute, whichever comes first.</summary>
    public DateTimeOffset ExpiryOf(DateTimeOffset createdAt, DateTimeOffset lastSeenAt)
    {
        var idle = lastSeenAt + IdleTimeout;
        var absolute = createdAt + AbsoluteLifetime;
        return idle < absolute ? idle : absolute;
    }

    /// <summary>Access tokens never outlive their session's absolute lifetime.</summary>
    public DateTimeOffset AccessExpiryOf(DateTimeOffset createdAt, DateTimeOffset issuedAt)
    {
        var access = issuedAt + AccessTokenLifetime;
        var absolute = createdAt + AbsoluteLifetime;
        return access < absolute ? access : absolute;
    }
}

public sealed class SessionOptionsValidator() : OptionsValidator<SessionOptions>(SessionOptions.Section)
{
    protected override void Check(SessionOptions o, Failures failures)
    {
        failures.Unless(o.AccessTokenLifetime > TimeSpan.Zero, nameof(o.AccessTokenLifetime), $"must be positive (got {o.AccessTokenLifetime}).");
        failures.Unless(o.IdleTimeout > TimeSpan.Zero, nameof(o.IdleTimeout), $"must be positive (got {o.IdleTimeout}).");
        failures.Unless(o.AbsoluteLifetime > TimeSpan.Zero, nameof(o.AbsoluteLifetime), $"must be positive (got {o.AbsoluteLifetime}).");
        failures.Unless(o.AccessTokenLifetime <= o.AbsoluteLifetime, nameof(o.AccessTokenLifetime), $"({o.AccessTokenLifetime}) must not exceed {SessionOptions.Section}:AbsoluteLifetime ({o.AbsoluteLifetime}).");
        failures.Unless(o.MaxSessionsPerUser is >= 1 and <= 10_000, nameof(o.MaxSessionsPerUser), $"must be 1 to 10000 (got {o.MaxSessionsPerUser}).");
        failures.Unless(o.LastSeenWriteInterval > TimeSpan.Zero && o.LastSeenWriteInterval < o.IdleTimeout, nameof(o.LastSeenWriteInterval), $"must be positive and shorter than {SessionOptions.Section}:IdleTimeout (got {o.LastSeenWriteInterval}).");
    }
}
