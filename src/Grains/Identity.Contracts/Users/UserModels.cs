using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;

namespace Identity.Contracts.Users;

/// <summary>What a new account is created from.</summary>
[GenerateSerializer, Immutable, Alias("identity.Registration")]
public sealed record Registration(
    [property: Id(0)] string Username,
    [property: Id(1)] string? Email,
    [property: Id(2)] Password Password);

/// <summary>Outcome of <see cref="IUserGrain.RegisterAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("identity.RegistrationResult")]
public abstract record RegistrationResult
{
    private RegistrationResult()
    {
    }

    /// <summary>Created. <paramref name="Verification"/>: the address given waits for its proof, to be mailed to it.</summary>
    [GenerateSerializer, Immutable, Alias("identity.RegistrationResult.Registered")]
    public sealed record Registered([property: Id(0)] Guid UserId, [property: Id(1)] string Username, [property: Id(2)] EmailVerificationIssued? Verification = null) : RegistrationResult;

    [GenerateSerializer, Immutable, Alias("identity.RegistrationResult.UsernameTaken")]
    public sealed record UsernameTaken : RegistrationResult;

    [GenerateSerializer, Immutable, Alias("identity.RegistrationResult.EmailTaken")]
    public sealed record EmailTaken : RegistrationResult;

    /// <summary>Field name to message, for every field that failed.</summary>
    [GenerateSerializer, Immutable, Alias("identity.RegistrationResult.Invalid")]
    public sealed record Invalid([property: Id(0)] IReadOnlyDictionary<string, string> Errors) : RegistrationResult;
}

/// <summary>Why a login was refused. Logged for audit; never shown to the client, which sees one answer.</summary>
[GenerateSerializer, Alias("identity.LoginRejection")]
public enum LoginRejection
{
    UnknownUser = 0,
    WrongPassword = 1,

    /// <summary>The account ceiling was reached: sources without a device token are blocked for a while.</summary>
    LockedOut = 2,
    Disabled = 3,

    /// <summary>This source failed too often on this account and must wait.</summary>
    Throttled = 4,

    /// <summary>The password was right but the second factor was not (or its challenge had expired).</summary>
    SecondFactorFailed = 5,
}

/// <summary>Outcome of a login.</summary>
[GenerateSerializer, Immutable, Alias("identity.LoginResult")]
public abstract record LoginResult
{
    private LoginResult()
    {
    }

    /// <summary>
    /// Signed in; <paramref name="DeviceToken"/> lets this client's next logins pass other sources'
    /// throttling. <paramref name="PasswordChangeRequired"/>: an operator asked for a new password.
    /// <paramref name="NewDevice"/>: the client presented no device token of the account, which had
    /// been signed in to before (a device not seen before: the owner is told); <paramref name="Email"/>:
    /// the account's address, if any.
    /// </summary>
    [GenerateSerializer, Immutable, Alias("identity.LoginResult.Succeeded")]
    public sealed record Succeeded(
        [property: Id(0)] Guid UserId,
        [property: Id(1)] IssuedTokens Tokens,
        [property: Id(2)] string DeviceToken,
        [property: Id(3)] bool PasswordChangeRequired = false,
        [property: Id(4)] bool NewDevice = false,
        [property: Id(5)] string? Email = null,
        [property: Id(6)] string? Username = null) : LoginResult
    {
        public override string ToString() => $"Succeeded {{ UserId = {UserId}, {Tokens}, device token redacted }}";
    }

    /// <summary>Refused. <paramref name="LockedNoticeTo"/>: this attempt just blocked the account, whose owner is told at that address.</summary>
    [GenerateSerializer, Immutable, Alias("identity.LoginResult.Rejected")]
    public sealed record Rejected([property: Id(0)] LoginRejection Reason, [property: Id(1)] string? LockedNoticeTo = null) : LoginResult;

    /// <summary>
    /// The password was right and the account has a second factor: the sign-in completes when
    /// <paramref name="Ticket"/> comes back with one of <paramref name="Methods"/> before <paramref name="ExpiresAt"/>
    /// (<see cref="IUserGrain.CompleteSignInAsync"/>). No session exists yet.
    /// </summary>
    [GenerateSerializer, Immutable, Alias("identity.LoginResult.SecondFactorRequired")]
    public sealed record SecondFactorRequired([property: Id(0)] string Ticket, [property: Id(1)] IReadOnlyList<string> Methods, [property: Id(2)] DateTimeOffset ExpiresAt) : LoginResult
    {
        public override string ToString() => $"SecondFactorRequired {{ ticket redacted, Methods = {string.Join(' ', Methods)} }}";
    }
}

/// <summary>Outcome of a password change.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasswordChangeResult")]
public abstract record PasswordChangeResult
{
    private PasswordChangeResult()
    {
    }

    /// <summary>Changed; <paramref name="SessionsEnded"/> other sessions were ended.</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasswordChangeResult.Changed")]
    public sealed record Changed([property: Id(0)] int SessionsEnded, [property: Id(1)] string? Email = null) : PasswordChangeResult;

    /// <summary>The current password was wrong, or the account is locked out (indistinguishable).</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasswordChangeResult.CurrentPasswordRejected")]
    public sealed record CurrentPasswordRejected : PasswordChangeResult;

    [GenerateSerializer, Immutable, Alias("identity.PasswordChangeResult.InvalidNewPassword")]
    public sealed record InvalidNewPassword([property: Id(0)] string Error) : PasswordChangeResult;

    /// <summary>There is no such account.</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasswordChangeResult.UnknownUser")]
    public sealed record UnknownUser : PasswordChangeResult;
}

/// <summary>Failed-login state of an account (see the silo's <c>LoginThrottle</c> settings).</summary>
[GenerateSerializer, Immutable, Alias("identity.LoginThrottleStatus")]
public sealed record LoginThrottleStatus(
    [property: Id(0)] int AccountFailures,
    [property: Id(1)] int AccountBlocks,
    [property: Id(2)] DateTimeOffset? AccountBlockedUntil,
    [property: Id(3)] IReadOnlyDictionary<string, int> SourceFailures);

/// <summary>An account as operators and support see it (admin API). Never its password hash.</summary>
[GenerateSerializer, Immutable, Alias("identity.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] string? Email,
    [property: Id(3)] bool Disabled,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? LastLoginAt,
    [property: Id(6)] DateTimeOffset PasswordChangedAt,
    [property: Id(7)] bool PasswordChangeRequired,
    [property: Id(8)] int SessionCount,
    [property: Id(9)] LoginThrottleStatus LoginThrottle,
    [property: Id(10)] string? PendingEmail = null,
    [property: Id(11)] bool SecondFactor = false,
    [property: Id(12)] int RecoveryCodesLeft = 0);
