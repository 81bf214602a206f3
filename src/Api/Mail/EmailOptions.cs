using Identity.Grains.Hosting.Options;
using MailKit.Security;

namespace Identity.Api.Mail;

/// <summary>How mail leaves the service. The default writes each message to a folder (<c>.data/mail</c>, one <c>.eml</c> each), so the default run needs no mail server.</summary>
public enum EmailMode
{
    Folder = 0,
    Smtp = 1,

    /// <summary>No mail at all (a deployment that sends none).</summary>
    Off = 2,
}

/// <summary>Outgoing mail. Configuration section <c>Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public EmailMode Mode { get; set; } = EmailMode.Folder;

    /// <summary>Folder mode: where the <c>.eml</c> files go, relative to the working directory.</summary>
    public string Folder { get; set; } = Path.Combine(".data", "mail");

    /// <summary>The sender: <c>Name &lt;address&gt;</c> or an address.</summary>
    public string From { get; set; } = "Identity Grid <no-reply@identity.invalid>";

    /// <summary>The service's name in every message.</summary>
    public string ServiceName { get; set; } = "Identity Grid";

    /// <summary>
    /// Where the links in mail point: the public address of the hosted pages (<c>/account/…</c>).
    /// Configured, never taken from a request's Host header (which would let anyone send reset
    /// links to their own site). Default: the default run's <c>http://localhost:5000</c>.
    /// </summary>
    public string LinkBaseUrl { get; set; } = "http://localhost:5000";

    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>Which notices are sent (each on by default).</summary>
    public NoticeSettings Notices { get; set; } = new();
}

public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary><c>Auto</c> (STARTTLS when offered; TLS on 465), <c>StartTls</c>, <c>SslOnConnect</c>, <c>None</c> (a local relay only).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>How long one delivery may take before it is given up (and logged).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The notices of account activity the owner gets by mail.</summary>
public sealed class NoticeSettings
{
    /// <summary>A sign-in from a device that never signed in to the account before.</summary>
    public bool NewDevice { get; set; } = true;

    /// <summary>The password changed, or was reset with an emailed link.</summary>
    public bool PasswordChanged { get; set; } = true;

    /// <summary>The account's address changed (told at the old address).</summary>
    public bool EmailChanged { get; set; } = true;

    /// <summary>A second factor was added or removed, or the recovery codes replaced.</summary>
    public bool SecondFactorChanged { get; set; } = true;

    /// <summary>Failed sign-ins blocked the account for a while.</summary>
    public bool AccountLocked { get; set; } = true;
}

internal sealed class EmailOptionsValidator() : OptionsValidator<EmailOptions>(EmailOptions.Section)
{
    protected override void Check(EmailOptions options, Failures failures)
    {
        failures.Unless(Enum.IsDefined(options.Mode), nameof(options.Mode), "must be Folder, Smtp or Off.");
        failures.Unless(MimeKit.MailboxAddress.TryParse(options.From, out _), nameof(options.From), $"'{options.From}' is not a mail address (Name <address> or address).");
        failures.Unless(!string.IsNullOrWhiteSpace(options.ServiceName) && options.ServiceName.Length <= 100, nameof(options.ServiceName), "is required (at most 100 characters).");
        failures.Unless(options.Mode != EmailMode.Folder || !string.IsNullOrWhiteSpace(options.Folder), nameof(options.Folder), "is required in Folder mode.");
        failures.Unless(
            Uri.TryCreate(options.LinkBaseUrl, UriKind.Absolute, out var links) && links.Scheme is "https" or "http" && links.Query.Length == 0 && links.Fragment.Length == 0,
            nameof(options.LinkBaseUrl),
            $"must be the pages' public address, absolute http(s) without query (got '{options.LinkBaseUrl}').");
        if (options.Mode == EmailMode.Smtp)
        {
            failures.Unless(!string.IsNullOrWhiteSpace(options.Smtp.Host), "Smtp:Host", "is required in Smtp mode.");
            failures.Unless(options.Smtp.Port is > 0 and <= 65535, "Smtp:Port", "must be 1 to 65535.");
            failures.Unless(Enum.IsDefined(options.Smtp.Security), "Smtp:Security", "must be Auto, None, StartTls, StartTlsWhenAvailable or SslOnConnect.");
            failures.Unless((options.Smtp.Username is null) == (options.Smtp.Password is null), "Smtp:Password", "Username and Password go together.");
            failures.Unless(options.Smtp.Timeout > TimeSpan.Zero && options.Smtp.Timeout <= TimeSpan.FromMinutes(5), "Smtp:Timeout", "must be between 00:00:01 and 00:05:00.");
        }
    }
}

internal static class AccountMail
{
    public static IServiceCollection AddAccountMail(this IServiceCollection services)
    {
        services.AddValidatedOptions<EmailOptions, EmailOptionsValidator>(EmailOptions.Section);
        services.AddSingleton<Mailer>();
        services.AddHostedService(provider => provider.GetRequiredService<Mailer>());
        services.AddSingleton<AccountNotices>();
        services.AddSingleton<AccountLinks>();
        return services;
    }
}
