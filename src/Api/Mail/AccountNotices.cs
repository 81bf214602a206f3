using Identity.Api.Pages;
using Identity.Contracts.Sessions;
using Microsoft.Extensions.Options;

namespace Identity.Api.Mail;

/// <summary>
/// The mail an account's owner gets about its activity (each can be turned off: <c>Email:Notices:*</c>),
/// with the service name from <c>Email:ServiceName</c>. Only to an address the account has proven;
/// never a secret in a message.
/// </summary>
internal sealed class AccountNotices(Mailer mailer, IOptionsMonitor<EmailOptions> options, [FromKeyedServices(Identity.Grains.Hosting.IdentityClock.Key)] TimeProvider time)
{
    private const string NotYou = "If this was not you, change your password now, and sign out the devices you do not know from your account's devices page.";

    /// <summary>A sign-in from a device that never signed in to the account before.</summary>
    public void NewDeviceSignIn(string? email, string username, ClientContext client) =>
        Send(email, options.CurrentValue.Notices.NewDevice, username, service => $"New sign-in to your {service} account",
            [$"Your account was just signed in to from a device it had not been used on before: {Where(client)}, at {When()}.", "If this was you, there is nothing to do.", NotYou]);

    public void PasswordChanged(string? email, string username, ClientContext client) =>
        Send(email, options.CurrentValue.Notices.PasswordChanged, username, service => $"Your {service} password was changed",
            [$"The password of your account was changed at {When()}, from {Where(client)}. Every other device was signed out.", "If this was not you, contact us at once: someone else knows how to sign in to your account."]);

    public void PasswordReset(string? email, string username, ClientContext client) =>
        Send(email, options.CurrentValue.Notices.PasswordChanged, username, service => $"Your {service} password was reset",
            [$"The password of your account was reset with a link sent to this address, at {When()}, from {Where(client)}. Every device was signed out.", "If this was not you, someone can read your mail: secure your mailbox, then reset your password again."]);

    /// <summary>Told at the address the account had before: the new one took its place.</summary>
    public void EmailChanged(string? previousEmail, string newEmail, string username, ClientContext client) =>
        Send(previousEmail, options.CurrentValue.Notices.EmailChanged, username, service => $"Your {service} email address was changed",
            [$"Your account's email address was changed to {Masked(newEmail)} at {When()}, from {Where(client)}. Mail about your account goes there from now on.", "If this was not you, contact us at once: someone else controls your account."]);

    /// <summary>After an address was proven: when it replaced another, the old address is told.</summary>
    public void EmailVerified(Identity.Contracts.Users.EmailVerificationResult result, ClientContext client)
    {
        if (result is Identity.Contracts.Users.EmailVerificationResult.Verified { PreviousEmail: { } previous } verified
            && !string.Equals(previous, verified.Email, StringComparison.OrdinalIgnoreCase))
        {
            EmailChanged(previous, verified.Email, verified.Username, client);
        }
    }

    public void SecondFactorChanged(string? email, string username, string change, ClientContext client) =>
        Send(email, options.CurrentValue.Notices.SecondFactorChanged, username, service => $"Your {service} sign-in protection changed",
            [$"{change} on your account at {When()}, from {Where(client)}.", NotYou]);

    public void AccountLocked(string? email) =>
        Send(email, options.CurrentValue.Notices.AccountLocked, null, service => $"Sign-ins to your {service} account are blocked for a while",
            [$"After many failed sign-ins, new devices cannot sign in to your account for a while (since {When()}). Devices you signed in on before still can.", "Someone may be guessing your password. If it is weak or used elsewhere, change it."]);

    private void Send(string? email, bool enabled, string? username, Func<string, string> subject, IReadOnlyList<string> paragraphs)
    {
        if (email is null || !enabled)
        {
            return;
        }

        var service = options.CurrentValue.ServiceName;
        mailer.Send(email, MailTemplate.Compose(service, subject(service), username is null ? "Hello," : $"Hello {username},", paragraphs));
    }

    private string When() => MailTemplate.When(time.GetUtcNow());

    private static string Where(ClientContext client) => $"{DeviceNames.Describe(client.UserAgent)} at {client.IpAddress ?? "an unknown address"}";

    /// <summary>"al…@example.com": enough for the owner to recognise, not the whole address to whoever reads the old mailbox.</summary>
    internal static string Masked(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at <= 2 ? $"…{email[Math.Max(at, 0)..]}" : $"{email[..2]}…{email[at..]}";
    }
}
