using Identity.Grains.Hosting.Options;

namespace Identity.Api.RateLimiting;

/// <summary>Per-client-address limits. Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Login attempts per client address per minute (also the burst); 0 turns the limit off. Default 60.</summary>
    public int LoginPerMinute { get; set; } = 60;

    /// <summary>Registrations per client address per minute (also the burst); 0 turns the limit off. Default 20.</summary>
    public int RegistrationPerMinute { get; set; } = 20;

    /// <summary>
    /// Token checks per client address per minute that may fail after reaching the grid (made-up,
    /// revoked or expired tokens); beyond it that address's token checks get 429. 0 turns it off.
    /// Default 600: generous for many clients behind one NAT, tight for a flood.
    /// </summary>
    public int FailedTokenChecksPerMinute { get; set; } = 600;
}

internal sealed class RateLimitOptionsValidator() : OptionsValidator<RateLimitOptions>(RateLimitOptions.Section)
{
    protected override void Check(RateLimitOptions o, Failures failures)
    {
        failures.Unless(o.LoginPerMinute is >= 0 and <= 1_000_000, nameof(o.LoginPerMinute), $"must be 0 (off) to 1000000 (got {o.LoginPerMinute}).");
        failures.Unless(o.RegistrationPerMinute is >= 0 and <= 1_000_000, nameof(o.RegistrationPerMinute), $"must be 0 (off) to 1000000 (got {o.RegistrationPerMinute}).");
        failures.Unless(o.FailedTokenChecksPerMinute is >= 0 and <= 1_000_000, nameof(o.FailedTokenChecksPerMinute), $"must be 0 (off) to 1000000 (got {o.FailedTokenChecksPerMinute}).");
    }
}
