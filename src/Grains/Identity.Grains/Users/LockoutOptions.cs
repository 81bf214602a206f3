using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Users;

/// <summary>
/// Per-user lockout after consecutive failed logins. Configuration section <c>Lockout</c>.
/// The n-th lockout since the last success lasts <c>FirstLockout × 2^(n-1)</c>, capped at <c>MaxLockout</c>.
/// </summary>
public sealed class LockoutOptions
{
    public const string Section = "Lockout";

    /// <summary>Consecutive failures that lock the account. Default 10.</summary>
    public int MaxFailedAttempts { get; set; } = 10;

    /// <summary>Length of the first lockout. Default 1 minute.</summary>
    public TimeSpan FirstLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest lockout. Default 15 minutes.</summary>
    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long the <paramref name="lockoutNumber"/>-th lockout (1-based) lasts.</summary>
    public TimeSpan DurationOf(int lockoutNumber)
    {
        var duration = FirstLockout;
        for (var i = 1; i < lockoutNumber && duration < MaxLockout; i++)
        {
            duration += duration;
        }

        return duration < MaxLockout ? duration : MaxLockout;
    }
}

internal sealed class LockoutOptionsValidator() : OptionsValidator<LockoutOptions>(LockoutOptions.Section)
{
    protected override void Check(LockoutOptions o, Failures failures)
    {
        failures.Unless(o.MaxFailedAttempts is >= 1 and <= 1000, nameof(o.MaxFailedAttempts), $"must be 1 to 1000 (got {o.MaxFailedAttempts}).");
        failures.Unless(o.FirstLockout > TimeSpan.Zero, nameof(o.FirstLockout), $"must be positive (got {o.FirstLockout}).");
        failures.Unless(o.MaxLockout >= o.FirstLockout, nameof(o.MaxLockout), $"({o.MaxLockout}) must be at least {LockoutOptions.Section}:FirstLockout ({o.FirstLockout}).");
    }
}
