using Identity.Contracts.Passwords;

namespace Identity.Contracts.Users;

/// <summary>
/// How a session was authenticated (RFC 8176 <c>amr</c> values where one exists): the session
/// keeps them, the session list and introspection show them.
/// </summary>
public static class AuthenticationMethods
{
    public const string Password = "pwd";

    /// <summary>A time-based one-time code from an authenticator app (RFC 6238).</summary>
    public const string OneTimeCode = "otp";

    /// <summary>One of the account's single-use recovery codes (no RFC 8176 value exists).</summary>
    public const string RecoveryCode = "recovery_code";

    /// <summary>More than one factor was proven.</summary>
    public const string MultipleFactors = "mfa";

    /// <summary>A passkey kept on one device (proof of a hardware-secured key).</summary>
    public const string HardwareKey = "hwk";

    /// <summary>A passkey that can be synced between devices (a software-secured key, as RFC 8176 counts it).</summary>
    public const string SoftwareKey = "swk";

    /// <summary>The <c>amr</c> of a sign-in with a passkey alone: with user verification it is two factors (the device, and the PIN or biometric that unlocked it).</summary>
    public static string OfPasskey(bool synced) => $"{(synced ? SoftwareKey : HardwareKey)} {MultipleFactors}";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> Split = new(StringComparer.Ordinal);

    /// <summary>
    /// The values of a session's space-separated <c>amr</c>, as an array for JSON. The same few
    /// combinations recur, so each is split once and shared (the introspection answer allocates nothing for it).
    /// </summary>
    public static IReadOnlyList<string>? Values(string? amr) =>
        amr is null ? null
        : Split.TryGetValue(amr, out var values) ? values
        : Split.Count < 64 ? Split.GetOrAdd(amr, static a => a.Split(' ')) : amr.Split(' ');

    /// <summary>The <c>amr</c> of a sign-in with a password and, when one was asked, a second factor: space-separated.</summary>
    public static string Of(SecondFactorKind? secondFactor, bool syncedPasskey = false) => secondFactor switch
    {
        null => Password,
        SecondFactorKind.Totp => $"{Password} {OneTimeCode} {MultipleFactors}",
        SecondFactorKind.RecoveryCode => $"{Password} {RecoveryCode} {MultipleFactors}",
        SecondFactorKind.Passkey => $"{Password} {(syncedPasskey ? SoftwareKey : HardwareKey)} {MultipleFactors}",
        _ => throw new ArgumentOutOfRangeException(nameof(secondFactor)),
    };
}

/// <summary>The second factors an account can hold, as a sign-in names them.</summary>
[GenerateSerializer, Alias("identity.SecondFactorKind")]
public enum SecondFactorKind
{
    /// <summary>A code from an authenticator app.</summary>
    Totp = 0,

    /// <summary>One of the ten single-use recovery codes.</summary>
    RecoveryCode = 1,

    /// <summary>A passkey (WebAuthn): the value is the browser's credential, <c>PublicKeyCredential.toJSON()</c>.</summary>
    Passkey = 2,
}

/// <summary>A second factor presented to complete a sign-in or a re-authentication.</summary>
[GenerateSerializer, Immutable, Alias("identity.SecondFactorProof")]
public sealed record SecondFactorProof([property: Id(0)] SecondFactorKind Kind, [property: Id(1)] string Value)
{
    public override string ToString() => $"SecondFactorProof {{ Kind = {Kind}, value redacted }}";
}

/// <summary>A verification to mail: where to, the link's ticket and the code, and until when each works.</summary>
[GenerateSerializer, Immutable, Alias("identity.EmailVerificationIssued")]
public sealed record EmailVerificationIssued(
    [property: Id(0)] string Address,
    [property: Id(1)] string LinkTicket,
    [property: Id(2)] string Code,
    [property: Id(3)] DateTimeOffset LinkExpiresAt,
    [property: Id(4)] DateTimeOffset CodeExpiresAt)
{
    public override string ToString() => $"EmailVerificationIssued {{ secrets redacted }}";
}

/// <summary>Outcome of proving an address with a link or a code.</summary>
[GenerateSerializer, Immutable, Alias("identity.EmailVerificationResult")]
public abstract record EmailVerificationResult
{
    private EmailVerificationResult()
    {
    }

    /// <summary>The address is the account's now (it signs in with it); <paramref name="PreviousEmail"/> is the one it replaced.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailVerificationResult.Verified")]
    public sealed record Verified([property: Id(0)] string Email, [property: Id(1)] string? PreviousEmail, [property: Id(2)] string Username) : EmailVerificationResult;

    /// <summary>Wrong, expired, used, or nothing waiting: one answer for all.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailVerificationResult.Invalid")]
    public sealed record Invalid : EmailVerificationResult;

    /// <summary>Another account verified the address first; it is no longer waiting on this one.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailVerificationResult.TakenByAnotherAccount")]
    public sealed record TakenByAnotherAccount([property: Id(0)] string Address) : EmailVerificationResult;
}

/// <summary>Outcome of asking for a new address (or a new verification of the waiting one).</summary>
[GenerateSerializer, Immutable, Alias("identity.EmailChangeResult")]
public abstract record EmailChangeResult
{
    private EmailChangeResult()
    {
    }

    /// <summary>The address waits for its verification, which is to be mailed to it.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailChangeResult.Pending")]
    public sealed record Pending([property: Id(0)] EmailVerificationIssued Verification) : EmailChangeResult;

    [GenerateSerializer, Immutable, Alias("identity.EmailChangeResult.Invalid")]
    public sealed record Invalid([property: Id(0)] string Error) : EmailChangeResult;

    /// <summary>The account already has that address, verified.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailChangeResult.Unchanged")]
    public sealed record Unchanged : EmailChangeResult;

    /// <summary>Another account has verified that address.</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailChangeResult.Taken")]
    public sealed record Taken : EmailChangeResult;

    /// <summary>Nothing to send: the account has no address waiting (resend only).</summary>
    [GenerateSerializer, Immutable, Alias("identity.EmailChangeResult.NothingPending")]
    public sealed record NothingPending : EmailChangeResult;
}

/// <summary>A reset link to mail to the account's verified address.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasswordResetIssued")]
public sealed record PasswordResetIssued([property: Id(0)] string Email, [property: Id(1)] string Username, [property: Id(2)] string Ticket, [property: Id(3)] DateTimeOffset ExpiresAt)
{
    public override string ToString() => "PasswordResetIssued { secrets redacted }";
}

/// <summary>Outcome of completing a password reset.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasswordResetResult")]
public abstract record PasswordResetResult
{
    private PasswordResetResult()
    {
    }

    /// <summary>The password is new, every session ended and every throttle cleared.</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasswordResetResult.Reset")]
    public sealed record Reset([property: Id(0)] int SessionsEnded, [property: Id(1)] string? Email, [property: Id(2)] string Username) : PasswordResetResult;

    /// <summary>Wrong, expired or used link (one answer for all).</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasswordResetResult.InvalidTicket")]
    public sealed record InvalidTicket : PasswordResetResult;

    [GenerateSerializer, Immutable, Alias("identity.PasswordResetResult.InvalidNewPassword")]
    public sealed record InvalidNewPassword([property: Id(0)] string Error) : PasswordResetResult;
}

/// <summary>A new authenticator-app secret, to show once (as text and as a QR code of <see cref="Uri"/>).</summary>
[GenerateSerializer, Immutable, Alias("identity.TotpEnrolment")]
public sealed record TotpEnrolment([property: Id(0)] string Secret, [property: Id(1)] string Uri)
{
    public override string ToString() => "TotpEnrolment { secrets redacted }";
}

/// <summary>Outcome of confirming an authenticator app with its first code.</summary>
[GenerateSerializer, Immutable, Alias("identity.TotpConfirmation")]
public abstract record TotpConfirmation
{
    private TotpConfirmation()
    {
    }

    /// <summary>Sign-ins now ask for a code. <paramref name="RecoveryCodes"/>: new codes to show once, when the account had none.</summary>
    [GenerateSerializer, Immutable, Alias("identity.TotpConfirmation.Confirmed")]
    public sealed record Confirmed([property: Id(0)] IReadOnlyList<string>? RecoveryCodes, [property: Id(1)] string? Email, [property: Id(2)] string Username) : TotpConfirmation
    {
        public override string ToString() => "Confirmed { recovery codes redacted }";
    }

    [GenerateSerializer, Immutable, Alias("identity.TotpConfirmation.WrongCode")]
    public sealed record WrongCode : TotpConfirmation;

    /// <summary>No enrolment was begun, or the app is already confirmed.</summary>
    [GenerateSerializer, Immutable, Alias("identity.TotpConfirmation.NothingPending")]
    public sealed record NothingPending : TotpConfirmation;
}

/// <summary>Outcome of proving again who one is, within a session (step-up).</summary>
[GenerateSerializer, Immutable, Alias("identity.ReauthenticationResult")]
public abstract record ReauthenticationResult
{
    private ReauthenticationResult()
    {
    }

    [GenerateSerializer, Immutable, Alias("identity.ReauthenticationResult.Done")]
    public sealed record Done([property: Id(0)] DateTimeOffset AuthenticatedAt, [property: Id(1)] string Amr) : ReauthenticationResult;

    /// <summary>The password was right; the account also needs one of <paramref name="Methods"/>.</summary>
    [GenerateSerializer, Immutable, Alias("identity.ReauthenticationResult.SecondFactorRequired")]
    public sealed record SecondFactorRequired([property: Id(0)] IReadOnlyList<string> Methods) : ReauthenticationResult;

    /// <summary>Wrong password or factor, or throttled (indistinguishable).</summary>
    [GenerateSerializer, Immutable, Alias("identity.ReauthenticationResult.Rejected")]
    public sealed record Rejected : ReauthenticationResult;
}

/// <summary>What an account holds for signing in, as its owner sees it (never a secret).</summary>
[GenerateSerializer, Immutable, Alias("identity.AccountSecurity")]
public sealed record AccountSecurity(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] string? Email,
    [property: Id(3)] string? PendingEmail,
    [property: Id(4)] IReadOnlyList<string> SecondFactors,
    [property: Id(5)] int RecoveryCodesLeft,
    [property: Id(6)] DateTimeOffset PasswordChangedAt,
    [property: Id(7)] IReadOnlyList<PasskeySummary>? Passkeys = null);

/// <summary>One passkey of the account, as its owner sees it.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasskeySummary")]
public sealed record PasskeySummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset? LastUsedAt,
    [property: Id(4)] bool Synced);

/// <summary>Outcome of registering a passkey.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasskeyRegistration")]
public abstract record PasskeyRegistration
{
    private PasskeyRegistration()
    {
    }

    /// <summary>Added. <paramref name="RecoveryCodes"/>: new codes to show once, when the account had none.</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasskeyRegistration.Added")]
    public sealed record Added([property: Id(0)] PasskeySummary Passkey, [property: Id(1)] IReadOnlyList<string>? RecoveryCodes, [property: Id(2)] string? Email, [property: Id(3)] string Username) : PasskeyRegistration
    {
        public override string ToString() => $"Added {{ Passkey = {Passkey.Id}, recovery codes redacted }}";
    }

    /// <summary>Not a valid answer to the options this account issued (or they expired): <paramref name="Reason"/> says why.</summary>
    [GenerateSerializer, Immutable, Alias("identity.PasskeyRegistration.Refused")]
    public sealed record Refused([property: Id(0)] string Reason) : PasskeyRegistration;
}

/// <summary>A factor removed (or not there), and where to tell the owner.</summary>
[GenerateSerializer, Immutable, Alias("identity.FactorRemoval")]
public sealed record FactorRemoval([property: Id(0)] bool Removed, [property: Id(1)] string? Email, [property: Id(2)] string Username);

/// <summary>New recovery codes, shown once; null <paramref name="Codes"/> when the account has no second factor to recover.</summary>
[GenerateSerializer, Immutable, Alias("identity.RecoveryCodes")]
public sealed record RecoveryCodes([property: Id(0)] IReadOnlyList<string>? Codes, [property: Id(1)] string? Email, [property: Id(2)] string Username)
{
    public override string ToString() => "RecoveryCodes { codes redacted }";
}
