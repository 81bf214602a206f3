using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Users;

/// <summary>
/// How failed password checks slow down guessing without letting strangers lock an owner out.
/// Configuration section <c>LoginThrottle</c>. Failures are counted per account and per
/// <em>source</em>: the client's address (IPv6 per /64) or, for a client that presents a
/// <see cref="DeviceToken"/> of the account, that device. A source gets
/// <see cref="FreeFailuresPerSource"/> failures, then must wait
/// <see cref="FirstSourceDelay"/> doubling up to <see cref="MaxSourceDelay"/> between attempts, and
/// after <see cref="SourceBlockAfter"/> failures is blocked until <see cref="SourceMemory"/> has
/// passed since its last failure. Against guessing spread over many addresses, failures from
/// sources without a device token also count toward <see cref="AccountCeiling"/>: reaching it blocks
/// those sources for <see cref="FirstAccountBlock"/> doubling up to <see cref="MaxAccountBlock"/>,
/// while clients with a device token still sign in. A success clears its source and the account count.
/// </summary>
public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";

    /// <summary>Failures a source may make on one account before it is slowed. Default 5.</summary>
    public int FreeFailuresPerSource { get; set; } = 5;

    /// <summary>The wait after the first failure past the free ones; each further failure doubles it. Default 1 s.</summary>
    public TimeSpan FirstSourceDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts of a slowed source. Default 15 minutes.</summary>
    public TimeSpan MaxSourceDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures after which a source is blocked on the account for <see cref="SourceMemory"/>. Default 20.</summary>
    public int SourceBlockAfter { get; set; } = 20;

    /// <summary>How long a source's failures are remembered after its last one. Default 24 hours.</summary>
    public TimeSpan SourceMemory { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Sources remembered per account; beyond it the one that failed longest ago is forgotten. Default 32.</summary>
    public int MaxTrackedSources { get; set; } = 32;

    /// <summary>Consecutive failures from sources without a device token that block all such sources (NIST SP 800-63B: at most 100). Default 100.</summary>
    public int AccountCeiling { get; set; } = 100;

    /// <summary>The first account-wide block; each further one (before a success) doubles. Default 1 hour.</summary>
    public TimeSpan FirstAccountBlock { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Longest account-wide block. Default 24 hours.</summary>
    public TimeSpan MaxAccountBlock { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a device token is trusted after it was issued (each login renews it). Default 90 days.</summary>
    public TimeSpan TrustedDeviceLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a source that has failed <paramref name="failures"/> times must wait after its last failure.</summary>
    public TimeSpan SourceWaitAfter(int failures)
    {
        if (failures < FreeFailuresPerSource)
        {
            return TimeSpan.Zero;
        }

        return failures >= SourceBlockAfter ? SourceMemory : Doubled(FirstSourceDelay, failures - FreeFailuresPerSource, MaxSourceDelay);
    }

    /// <summary>How long the <paramref name="blockNumber"/>-th account-wide block (1-based) lasts.</summary>
    public TimeSpan AccountBlockOf(int blockNumber) => Doubled(FirstAccountBlock, blockNumber - 1, MaxAccountBlock);

    private static TimeSpan Doubled(TimeSpan first, int doublings, TimeSpan cap)
    {
        var duration = first;
        for (var i = 0; i < doublings && duration < cap; i++)
        {
            duration += duration;
        }

        return duration < cap ? duration : cap;
    }
}

internal sealed class LoginThrottleOptionsValidator() : OptionsValidator<LoginThrottleOptions>(LoginThrottleOptions.Section)
{
    protected override void Check(LoginThrottleOptions o, Failures failures)
    {
        failures.Unless(o.FreeFailuresPerSource is >= 1 and <= 100, nameof(o.FreeFailuresPerSource), $"must be 1 to 100 (got {o.FreeFailuresPerSource}).");
        failures.Unless(o.FirstSourceDelay > TimeSpan.Zero, nameof(o.FirstSourceDelay), $"must be positive (got {o.FirstSourceDelay}).");
        failures.Unless(o.MaxSourceDelay >= o.FirstSourceDelay, nameof(o.MaxSourceDelay), $"({o.MaxSourceDelay}) must be at least {LoginThrottleOptions.Section}:FirstSourceDelay ({o.FirstSourceDelay}).");
        failures.Unless(o.SourceBlockAfter > o.FreeFailuresPerSource && o.SourceBlockAfter <= 1000, nameof(o.SourceBlockAfter), $"must be above {LoginThrottleOptions.Section}:FreeFailuresPerSource ({o.FreeFailuresPerSource}) and at most 1000 (got {o.SourceBlockAfter}).");
        failures.Unless(o.SourceMemory >= o.MaxSourceDelay, nameof(o.SourceMemory), $"({o.SourceMemory}) must be at least {LoginThrottleOptions.Section}:MaxSourceDelay ({o.MaxSourceDelay}).");
        failures.Unless(o.MaxTrackedSources is >= 1 and <= 1000, nameof(o.MaxTrackedSources), $"must be 1 to 1000 (got {o.MaxTrackedSources}).");
        failures.Unless(o.AccountCeiling is >= 1 and <= 100, nameof(o.AccountCeiling), $"must be 1 to 100, the most NIST SP 800-63B allows before a stronger measure (got {o.AccountCeiling}).");
        failures.Unless(o.FirstAccountBlock > TimeSpan.Zero, nameof(o.FirstAccountBlock), $"must be positive (got {o.FirstAccountBlock}).");
        failures.Unless(o.MaxAccountBlock >= o.FirstAccountBlock, nameof(o.MaxAccountBlock), $"({o.MaxAccountBlock}) must be at least {LoginThrottleOptions.Section}:FirstAccountBlock ({o.FirstAccountBlock}).");
        failures.Unless(o.TrustedDeviceLifetime > TimeSpan.Zero, nameof(o.TrustedDeviceLifetime), $"must be positive (got {o.TrustedDeviceLifetime}).");
    }
}
