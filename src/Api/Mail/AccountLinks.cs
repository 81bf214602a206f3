using Identity.Contracts.LoginNames;
using Identity.Contracts.Users;
using Identity.Grains.Users;
using Microsoft.Extensions.Options;

namespace Identity.Api.Mail;

/// <summary>
/// The mail that proves an address or recovers an account: a link to the hosted pages
/// (<c>Email:LinkBaseUrl</c>) carrying a one-time ticket, and for addresses a short code too.
/// The ticket is in the link's query only; the page asks before it uses it, so a mail scanner
/// that opens links does not spend it.
/// </summary>
internal sealed partial class AccountLinks(Mailer mailer, IOptionsMonitor<EmailOptions> options, IOptions<AccountOptions> accounts, IGrainFactory grains, ILogger<AccountLinks> logger)
{
    public const string VerifyEmailPath = "/account/verify-email";
    public const string ResetPasswordPath = "/account/reset-password";

    public void EmailVerification(EmailVerificationIssued issued, string username)
    {
        var settings = options.CurrentValue;
        var lifetimes = accounts.Value;
        mailer.Send(issued.Address, MailTemplate.Compose(
            settings.ServiceName,
            $"Confirm your email address for {settings.ServiceName}",
            $"Hello {username},",
            [$"Confirm that this address is yours to use it to sign in and to recover your {settings.ServiceName} account."],
            ("Confirm my address", Link(VerifyEmailPath, issued.LinkTicket)),
            [$"Or enter this code where you were asked: {issued.Code}",
             $"The link works for {MailTemplate.Duration(lifetimes.EmailLinkLifetime)}, the code for {MailTemplate.Duration(lifetimes.EmailCodeLifetime)}, and each only once.",
             "If you did not ask for this, ignore this message: the address stays unconfirmed and nobody can sign in with it."]));
    }

    /// <summary>
    /// Mails a reset link if <paramref name="email"/> is the verified address of an account that may
    /// have one now — looked up after the caller has answered, so neither the answer nor its time
    /// tells whether there is such an account.
    /// </summary>
    public void RequestPasswordReset(string email) => _ = Task.Run(async () =>
    {
        try
        {
            // Only a verified address has a login name, so an unproven one resolves to nobody.
            if (email.Contains('@', StringComparison.Ordinal)
                && LoginName.TryGetLoginKey(email, out var key)
                && await grains.GetGrain<ILoginNameGrain>(key).ResolveAsync() is { } userId
                && await grains.GetGrain<IUserGrain>(userId).RequestPasswordResetAsync() is { } issued)
            {
                PasswordReset(issued);
            }
        }
#pragma warning disable CA1031 // Nobody waits for this: the failure is logged (without the address); the client already has its answer.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogResetFailed(logger, ex);
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "A password reset could not be looked up or sent")]
    private static partial void LogResetFailed(ILogger logger, Exception exception);

    private void PasswordReset(PasswordResetIssued issued)
    {
        var settings = options.CurrentValue;
        mailer.Send(issued.Email, MailTemplate.Compose(
            settings.ServiceName,
            $"Reset your {settings.ServiceName} password",
            $"Hello {issued.Username},",
            ["Someone (we hope you) asked to reset the password of your account."],
            ("Choose a new password", Link(ResetPasswordPath, issued.Ticket)),
            [$"The link works once, for {MailTemplate.Duration(accounts.Value.PasswordResetLifetime)}; asking again replaces it. Setting a new password signs out every device.",
             "If you did not ask for this, ignore this message: your password stays as it is."]));
    }

    private string Link(string path, string ticket) =>
        $"{options.CurrentValue.LinkBaseUrl.TrimEnd('/')}{path}?ticket={Uri.EscapeDataString(ticket)}";
}
