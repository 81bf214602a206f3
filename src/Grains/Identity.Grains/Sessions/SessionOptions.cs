using Microsoft.Extensions.Options;

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

internal sealed class SessionOptionsValidator : IValidateOptions<SessionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionOptions options)
    {
        var failures = new List<string>();
        const string S = SessionOptions.Section;
        if (options.AccessTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{S}:AccessTokenLifetime must be positive (got {options.AccessTokenLifetime}).");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{S}:IdleTimeout must be positive (got {options.IdleTimeout}).");
        }

        if (options.AbsoluteLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{S}:AbsoluteLifetime must be positive (got {options.AbsoluteLifetime}).");
        }

        if (options.AccessTokenLifetime > options.AbsoluteLifetime)
        {
            failures.Add($"{S}:AccessTokenLifetime ({options.AccessTokenLifetime}) must not exceed {S}:AbsoluteLifetime ({options.AbsoluteLifetime}).");
        }

        if (options.MaxSessionsPerUser is < 1 or > 10_000)
        {
            failures.Add($"{S}:MaxSessionsPerUser must be 1 to 10000 (got {options.MaxSessionsPerUser}).");
        }

        if (options.LastSeenWriteInterval <= TimeSpan.Zero || options.LastSeenWriteInterval >= options.IdleTimeout)
        {
            failures.Add($"{S}:LastSeenWriteInterval must be positive and shorter than {S}:IdleTimeout (got {options.LastSeenWriteInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
