using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Users;

/// <summary>
/// Lifetimes and limits of the account's one-time secrets (email verification, password reset,
/// second-factor challenges) and of step-up authentication. Configuration section <c>Accounts</c>.
/// </summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>How long an email verification link works. Default 24 hours.</summary>
    public TimeSpan EmailLinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an email verification code works. Default 15 minutes.</summary>
    public TimeSpan EmailCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Digits of an email verification code (6 to 8). Default 6.</summary>
    public int EmailCodeDigits { get; set; } = 6;

    /// <summary>Wrong codes one verification (or one second-factor challenge) allows before it is void. Default 5.</summary>
    public int CodeAttempts { get; set; } = 5;

    /// <summary>How long a password-reset link works. Default 30 minutes.</summary>
    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Reset links one account can be sent per <see cref="PasswordResetWindow"/>. Default 3.</summary>
    public int PasswordResetsPerWindow { get; set; } = 3;

    /// <summary>The window <see cref="PasswordResetsPerWindow"/> counts in. Default 1 hour.</summary>
    public TimeSpan PasswordResetWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after signing in (or re-authenticating) a session may change the password, the email or a factor. Default 5 minutes.</summary>
    public TimeSpan StepUpWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the second step of a sign-in (the code) may follow the password. Default 5 minutes.</summary>
    public TimeSpan SecondFactorChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The issuer authenticator apps show next to the account (the <c>otpauth://</c> URI's). Default "Identity Grid".</summary>
    public string TotpIssuer { get; set; } = "Identity Grid";

    /// <summary>Whether a session authenticated at <paramref name="authenticatedAt"/> may still make a sensitive change at <paramref name="now"/>.</summary>
    public bool IsRecent(DateTimeOffset authenticatedAt, DateTimeOffset now) => now - authenticatedAt <= StepUpWindow;
}

public sealed class AccountOptionsValidator() : OptionsValidator<AccountOptions>(AccountOptions.Section)
{
    protected override void Check(AccountOptions o, Failures failures)
    {
        failures.Unless(o.EmailLinkLifetime >= TimeSpan.FromMinutes(5) && o.EmailLinkLifetime <= TimeSpan.FromDays(7), nameof(o.EmailLinkLifetime), $"must be 5 minutes to 7 days (got {o.EmailLinkLifetime}).");
        failures.Unless(o.EmailCodeLifetime >= TimeSpan.FromMinutes(1) && o.EmailCodeLifetime <= TimeSpan.FromHours(1), nameof(o.EmailCodeLifetime), $"must be 1 to 60 minutes: a short code must not live long (got {o.EmailCodeLifetime}).");
        failures.Unless(o.EmailCodeDigits is >= 6 and <= 8, nameof(o.EmailCodeDigits), $"must be 6 to 8 (got {o.EmailCodeDigits}).");
        failures.Unless(o.CodeAttempts is >= 1 and <= 10, nameof(o.CodeAttempts), $"must be 1 to 10 (got {o.CodeAttempts}).");
        failures.Unless(o.PasswordResetLifetime >= TimeSpan.FromMinutes(5) && o.PasswordResetLifetime <= TimeSpan.FromHours(24), nameof(o.PasswordResetLifetime), $"must be 5 minutes to 24 hours (got {o.PasswordResetLifetime}).");
        failures.Unless(o.PasswordResetsPerWindow is >= 1 and <= 100, nameof(o.PasswordResetsPerWindow), $"must be 1 to 100 (got {o.PasswordResetsPerWindow}).");
        failures.Unless(o.PasswordResetWindow > TimeSpan.Zero, nameof(o.PasswordResetWindow), $"must be positive (got {o.PasswordResetWindow}).");
        failures.Unless(o.StepUpWindow >= TimeSpan.FromSeconds(30) && o.StepUpWindow <= TimeSpan.FromHours(1), nameof(o.StepUpWindow), $"must be 30 seconds to 1 hour (got {o.StepUpWindow}).");
        failures.Unless(o.SecondFactorChallengeLifetime >= TimeSpan.FromMinutes(1) && o.SecondFactorChallengeLifetime <= TimeSpan.FromMinutes(30), nameof(o.SecondFactorChallengeLifetime), $"must be 1 to 30 minutes (got {o.SecondFactorChallengeLifetime}).");
        failures.Unless(!string.IsNullOrWhiteSpace(o.TotpIssuer) && !o.TotpIssuer.Contains(':', StringComparison.Ordinal), nameof(o.TotpIssuer), "must be set, without ':' (authenticator apps split on it).");
    }
}
