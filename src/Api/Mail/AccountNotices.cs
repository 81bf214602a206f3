using System.Globalization;
using System.Text.Encodings.Web;
using Identity.Api.Pages;
using Identity.Contracts.Sessions;
using Microsoft.Extensions.Options;

namespace Identity.Api.Mail;

/// <summary>
/// The mail an account's owner gets about its activity (each can be turned off: <c>Email:Notices:*</c>),
/// with its templates: plain text and HTML, the service name from <c>Email:ServiceName</c>.
/// Only to an address the account has; never a secret in a message.
/// </summary>
internal sealed class AccountNotices(Mailer mailer, IOptionsMonitor<EmailOptions> options, [FromKeyedServices(Identity.Grains.Hosting.IdentityClock.Key)] TimeProvider time)
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>A sign-in from a device that never signed in to the account before.</summary>
    public void NewDeviceSignIn(string? email, string username, ClientContext client)
    {
        var settings = options.CurrentValue;
        if (email is null || !settings.Notices.NewDevice)
        {
            return;
        }

        var device = DeviceNames.Describe(client.UserAgent);
        var place = client.IpAddress ?? "an unknown address";
        var when = When();
        mailer.Send(email, Compose(
            settings.ServiceName,
            $"New sign-in to your {settings.ServiceName} account",
            $"Hello {username},",
            [$"Your account was just signed in to from a device it had not been used on before: {device}, from {place}, at {when}.", "If this was you, there is nothing to do.", "If it was not you, change your password now, and sign out the devices you do not know from your account's devices page."]));
    }

    public void PasswordChanged(string? email, string username, ClientContext client)
    {
        var settings = options.CurrentValue;
        if (email is null || !settings.Notices.PasswordChanged)
        {
            return;
        }

        mailer.Send(email, Compose(
            settings.ServiceName,
            $"Your {settings.ServiceName} password was changed",
            $"Hello {username},",
            [$"The password of your account was changed at {When()}, from {client.IpAddress ?? "an unknown address"} ({DeviceNames.Describe(client.UserAgent)}). Every other device was signed out.", "If this was not you, contact us at once: someone else knows how to sign in to your account."]));
    }

    private string When() => time.GetUtcNow().ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>One message in both forms from the same paragraphs (the HTML encoded, so nothing a user typed can become markup).</summary>
    internal static MailContent Compose(string serviceName, string subject, string greeting, IReadOnlyList<string> paragraphs)
    {
        var text = $"{greeting}\n\n{string.Join("\n\n", paragraphs)}\n\n— {serviceName}\n";
        var html = $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{Html.Encode(subject)}</title></head>
            <body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36rem;">
            <p>{Html.Encode(greeting)}</p>
            {string.Concat(paragraphs.Select(p => $"<p>{Html.Encode(p)}</p>"))}
            <p style="color: #5a5f66;">— {Html.Encode(serviceName)}</p>
            </body></html>
            """;
        return new MailContent(subject, text, html);
    }
}
