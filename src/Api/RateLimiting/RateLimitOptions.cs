using Identity.Grains.Hosting.Options;

namespace Identity.Api.RateLimiting;

/// <summary>Rate limits per client address (logins, registrations), per account (password changes, revocations) and per session (refreshes, failed token checks). Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Login attempts per client address per minute (also the burst); 0 turns the limit off. Default 60.</summary>
    public int LoginPerMinute { get; set; } = 60;

    /// <summary>Registrations per client address per minute (also the burst); 0 turns the limit off. Default 20.</summary>
    public int RegistrationPerMinute { get; set; } = 20;

    /// <summary>Password changes per account per minute (each costs two hashes); they also spend the address's login budget. 0 turns it off. Default 5.</summary>
    public int PasswordChangesPerMinute { get; set; } = 5;

    /// <summary>Refreshes per session per minute (each is a database write; a client needs one per access token lifetime). 0 turns it off. Default 10.</summary>
    public int RefreshesPerMinute { get; set; } = 10;

    /// <summary>Logouts and session revocations per account per minute (each is a database write). 0 turns it off. Default 30.</summary>
    public int SessionRevocationsPerMinute { get; set; } = 30;

    /// <summary>Password-reset requests and completions and email-link proofs per client address per minute (each may send mail or hash a password). 0 turns it off. Default 10.</summary>
    public int AccountRecoveryPerMinute { get; set; } = 10;

    /// <summary>Email changes, verification mails and second-factor changes per account per minute. 0 turns it off. Default 10.</summary>
    public int AccountChangesPerMinute { get; set; } = 10;

    /// <summary>Failed client authentications (introspection) per client address per minute; beyond it 429. 0 turns it off. Default 10.</summary>
    public int ClientAuthenticationFailuresPerMinute { get; set; } = 10;

    /// <summary>Introspection answers of "inactive" per client per minute; beyond it that client gets 429 (it is guessing, or replaying dead tokens). 0 turns it off. Default 600.</summary>
    public int InactiveIntrospectionsPerMinute { get; set; } = 600;

    /// <summary>
    /// Checks per session per minute of its tokens that may fail at its grain (the session ended,
    /// expired, or the token was rotated away); beyond it that session's token checks get 429.
    /// 0 turns it off. Default 60. Made-up tokens never get that far: their authenticator fails first.
    /// </summary>
    public int FailedTokenChecksPerMinute { get; set; } = 60;
}

internal sealed class RateLimitOptionsValidator() : OptionsValidator<RateLimitOptions>(RateLimitOptions.Section)
{
    protected override void Check(RateLimitOptions o, Failures failures)
    {
        failures.Unless(o.LoginPerMinute is >= 0 and <= 1_000_000, nameof(o.LoginPerMinute), $"must be 0 (off) to 1000000 (got {o.LoginPerMinute}).");
        failures.Unless(o.RegistrationPerMinute is >= 0 and <= 1_000_000, nameof(o.RegistrationPerMinute), $"must be 0 (off) to 1000000 (got {o.RegistrationPerMinute}).");
        failures.Unless(o.FailedTokenChecksPerMinute is >= 0 and <= 1_000_000, nameof(o.FailedTokenChecksPerMinute), $"must be 0 (off) to 1000000 (got {o.FailedTokenChecksPerMinute}).");
        failures.Unless(o.ClientAuthenticationFailuresPerMinute is >= 0 and <= 1_000_000, nameof(o.ClientAuthenticationFailuresPerMinute), $"must be 0 (off) to 1000000 (got {o.ClientAuthenticationFailuresPerMinute}).");
        failures.Unless(o.InactiveIntrospectionsPerMinute is >= 0 and <= 1_000_000, nameof(o.InactiveIntrospectionsPerMinute), $"must be 0 (off) to 1000000 (got {o.InactiveIntrospectionsPerMinute}).");
        failures.Unless(o.PasswordChangesPerMinute is >= 0 and <= 1_000_000, nameof(o.PasswordChangesPerMinute), $"must be 0 (off) to 1000000 (got {o.PasswordChangesPerMinute}).");
        failures.Unless(o.RefreshesPerMinute is >= 0 and <= 1_000_000, nameof(o.RefreshesPerMinute), $"must be 0 (off) to 1000000 (got {o.RefreshesPerMinute}).");
        failures.Unless(o.AccountRecoveryPerMinute is >= 0 and <= 1_000_000, nameof(o.AccountRecoveryPerMinute), $"must be 0 (off) to 1000000 (got {o.AccountRecoveryPerMinute}).");
        failures.Unless(o.AccountChangesPerMinute is >= 0 and <= 1_000_000, nameof(o.AccountChangesPerMinute), $"must be 0 (off) to 1000000 (got {o.AccountChangesPerMinute}).");
        failures.Unless(o.SessionRevocationsPerMinute is >= 0 and <= 1_000_000, nameof(o.SessionRevocationsPerMinute), $"must be 0 (off) to 1000000 (got {o.SessionRevocationsPerMinute}).");
    }
}
