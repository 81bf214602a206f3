using System.Text.Json.Serialization;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Users;

namespace Identity.Grains.Users;

/// <summary>A waiting address's proof: digests of the link's secret and of the code, and what is left of it.</summary>
[GenerateSerializer, Immutable, Alias("identity.EmailVerificationSecret")]
public sealed record EmailVerificationSecret(
    [property: Id(0), JsonPropertyName("linkDigest")] string? LinkDigest,
    [property: Id(1), JsonPropertyName("codeDigest")] string? CodeDigest,
    [property: Id(2), JsonPropertyName("codeSalt")] string CodeSalt,
    [property: Id(3), JsonPropertyName("issuedAt")] DateTimeOffset IssuedAt,
    [property: Id(4), JsonPropertyName("wrongCodes")] int WrongCodes);

/// <summary>A password reset in flight: the digest of its link's secret, and when it was sent.</summary>
[GenerateSerializer, Immutable, Alias("identity.PasswordResetSecret")]
public sealed record PasswordResetSecret(
    [property: Id(0), JsonPropertyName("digest")] string Digest,
    [property: Id(1), JsonPropertyName("issuedAt")] DateTimeOffset IssuedAt);

/// <summary>The account's addresses and the secrets that prove them or recover the account.</summary>
public sealed partial class UserState
{
    /// <summary>An address given but not proven yet: it cannot sign in, and does not stop another account proving it first.</summary>
    [Id(14), JsonPropertyName("pendingEmail")] public string? PendingEmail { get; set; }

    [Id(15), JsonPropertyName("emailVerification")] public EmailVerificationSecret? EmailVerification { get; set; }

    [Id(16), JsonPropertyName("passwordReset")] public PasswordResetSecret? PasswordReset { get; set; }

    /// <summary>When reset links were sent lately (bounded by <see cref="AccountOptions.PasswordResetsPerWindow"/>).</summary>
    [Id(17), JsonPropertyName("passwordResetsSent")] public List<DateTimeOffset> PasswordResetsSent { get; set; } = [];

    /// <summary>Waits for <paramref name="address"/> to be proven: a new link and code, replacing any earlier ones.</summary>
    public EmailVerificationIssued BeginEmailVerification(Guid userId, string address, DateTimeOffset now, AccountOptions options)
    {
        var (link, secret) = AccountTicket.Issue(AccountTicket.EmailVerification, userId);
        var code = OneTimeSecrets.NewDigits(options.EmailCodeDigits);
        var salt = OneTimeSecrets.NewSalt();
        PendingEmail = address;
        EmailVerification = new EmailVerificationSecret(OneTimeSecrets.Digest(secret), OneTimeSecrets.Digest(salt, code), salt, now, 0);
        return new EmailVerificationIssued(address, link, code, now + options.EmailLinkLifetime, now + options.EmailCodeLifetime);
    }

    /// <summary>
    /// Whether <paramref name="secret"/> proves the waiting address now. A wrong code counts
    /// toward <see cref="AccountOptions.CodeAttempts"/>, after which the code is void (the link still works).
    /// </summary>
    public bool ProvesPendingEmail(string secret, bool isCode, DateTimeOffset now, AccountOptions options)
    {
        if (PendingEmail is null || EmailVerification is not { } proof)
        {
            return false;
        }

        if (!isCode)
        {
            return now < proof.IssuedAt + options.EmailLinkLifetime && OneTimeSecrets.Matches(proof.LinkDigest, string.Empty, secret);
        }

        if (proof.CodeDigest is null || now >= proof.IssuedAt + options.EmailCodeLifetime)
        {
            return false;
        }

        if (OneTimeSecrets.Matches(proof.CodeDigest, proof.CodeSalt, OneTimeSecrets.Canonical(secret)))
        {
            return true;
        }

        var wrong = proof.WrongCodes + 1;
        EmailVerification = proof with { WrongCodes = wrong, CodeDigest = wrong >= options.CodeAttempts ? null : proof.CodeDigest };
        return false;
    }

    /// <summary>The waiting address becomes the account's; returns the one it replaces. Reset links sent to that one stop working.</summary>
    public string? AdoptPendingEmail()
    {
        var previous = Email;
        Email = PendingEmail;
        DropPendingEmail();
        PasswordReset = null;
        return previous;
    }

    public void DropPendingEmail()
    {
        PendingEmail = null;
        EmailVerification = null;
    }

    /// <summary>
    /// A reset link to the verified address, voiding the last one; null when the account has no
    /// verified address or was sent <see cref="AccountOptions.PasswordResetsPerWindow"/> lately.
    /// </summary>
    public PasswordResetIssued? IssuePasswordReset(Guid userId, DateTimeOffset now, AccountOptions options)
    {
        PasswordResetsSent.RemoveAll(at => at + options.PasswordResetWindow <= now);
        if (Email is null || Status != UserStatus.Active || PasswordResetsSent.Count >= options.PasswordResetsPerWindow)
        {
            return null;
        }

        var (ticket, secret) = AccountTicket.Issue(AccountTicket.PasswordReset, userId);
        PasswordReset = new PasswordResetSecret(OneTimeSecrets.Digest(secret), now);
        PasswordResetsSent.Add(now);
        return new PasswordResetIssued(Email, Username!, ticket, now + options.PasswordResetLifetime);
    }

    /// <summary>Whether <paramref name="secret"/> is the live reset link's.</summary>
    public bool AcceptsPasswordReset(string secret, DateTimeOffset now, AccountOptions options) =>
        Status == UserStatus.Active
        && PasswordReset is { } reset
        && now < reset.IssuedAt + options.PasswordResetLifetime
        && OneTimeSecrets.Matches(reset.Digest, string.Empty, secret);

    /// <summary>The login-name key of an address (already checked to normalize).</summary>
    public static string EmailKeyOf(string address) =>
        LoginName.TryNormalizeEmail(address, out var normalized, out _) ? LoginName.EmailKey(normalized) : throw new ArgumentException("Not a valid address.", nameof(address));
}
