using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.Pages.Components;
using Identity.Api.RateLimiting;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Users;
using Microsoft.AspNetCore.Antiforgery;

namespace Identity.Api.Pages;

/// <summary>
/// The pages the account's mail links to, and the forgotten-password form: the same rules as the
/// JSON API (<c>/v1/email-verifications</c>, <c>/v1/password-resets</c>), with the pages' CSP,
/// antiforgery and budgets. A link only opens a page; its button does the work, so a mail
/// scanner that follows links spends nothing.
/// </summary>
internal static class RecoveryPages
{
    public const string VerifyEmailPath = AccountLinks.VerifyEmailPath;
    public const string ForgotPasswordPath = "/account/forgot-password";
    public const string ResetPasswordPath = AccountLinks.ResetPasswordPath;

    public static RouteGroupBuilder MapRecoveryPages(this RouteGroupBuilder pages)
    {
        pages.MapGet("/verify-email", (HttpContext http, string? ticket) =>
            HostedPages.Render<ConfirmEmailPage>(http, new Dictionary<string, object?> { ["Ticket"] = ticket ?? string.Empty }));
        pages.MapPost("/verify-email", VerifyEmailAsync).DisableAntiforgery();
        pages.MapGet("/forgot-password", (HttpContext http) => HostedPages.Render<ForgotPasswordPage>(http, new Dictionary<string, object?>()));
        pages.MapPost("/forgot-password", RequestResetAsync).DisableAntiforgery();
        pages.MapGet("/reset-password", (HttpContext http, string? ticket) =>
            HostedPages.Render<ResetPasswordPage>(http, new Dictionary<string, object?> { ["Ticket"] = ticket ?? string.Empty }));
        pages.MapPost("/reset-password", ResetPasswordAsync).DisableAntiforgery();
        return pages;
    }

    private static async Task<IResult> VerifyEmailAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        const string title = "Confirm your email address";
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, title);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.AccountRecovery, Guid.Empty, out _))
        {
            return TooMany(http, title);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!AccountTicket.TryRead(form["ticket"], AccountTicket.EmailVerification, out var userId, out var secret))
        {
            return LinkFailed(http, title);
        }

        var result = await grains.GetGrain<IUserGrain>(userId).VerifyEmailAsync(secret, isCode: false);
        notices.EmailVerified(result, http.GetClientContext());
        return result switch
        {
            EmailVerificationResult.Verified verified => HostedPages.Render<MessagePage>(http, HostedPages.Message("Address confirmed", $"{verified.Email} is confirmed. You can sign in with it, and recover your account through it.")),
            EmailVerificationResult.TakenByAnotherAccount => HostedPages.Render<MessagePage>(http, HostedPages.Message(title, "Another account confirmed this address first, so it was removed from yours. Sign in and set another address.", error: true), StatusCodes.Status409Conflict),
            _ => LinkFailed(http, title),
        };
    }

    private static async Task<IResult> RequestResetAsync(HttpContext http, IAntiforgery antiforgery, AccountLinks links, Microsoft.Extensions.Options.IOptions<Identity.Grains.Users.AccountOptions> accounts)
    {
        const string title = "Reset your password";
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, title);
        }

        var email = (await http.Request.ReadFormAsync(http.RequestAborted))["email"].ToString().Trim();
        if (email.Length is 0 or > LoginName.MaxEmailLength)
        {
            return HostedPages.Render<ForgotPasswordPage>(http, new Dictionary<string, object?> { ["Error"] = "Enter your account's email address." }, StatusCodes.Status400BadRequest);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.AccountRecovery, Guid.Empty, out _))
        {
            return TooMany(http, title);
        }

        links.RequestPasswordReset(email);
        return HostedPages.Render<MessagePage>(http, HostedPages.Message("Check your mail", $"If that is the confirmed address of an account, a link to choose a new password is on its way. It works for {MailTemplate.Duration(accounts.Value.PasswordResetLifetime)}. Nothing came? Check the spam folder, or ask again in a few minutes."));
    }

    private static async Task<IResult> ResetPasswordAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        const string title = "Choose a new password";
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, title);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.AccountRecovery, Guid.Empty, out _))
        {
            return TooMany(http, title);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var ticket = form["ticket"].ToString();
        var password = form["password"].ToString();
        IResult Again(string error) => HostedPages.Render<ResetPasswordPage>(http, new Dictionary<string, object?> { ["Ticket"] = ticket, ["Error"] = error }, StatusCodes.Status400BadRequest);
        if (password.Length == 0)
        {
            return Again("Choose a new password.");
        }

        if (PasswordText.CountCharacters(password) > Password.MaxLength)
        {
            return Again($"The password must be at most {Password.MaxLength} characters.");
        }

        if (!AccountTicket.TryRead(ticket, AccountTicket.PasswordReset, out var userId, out var secret))
        {
            return LinkFailed(http, title);
        }

        switch (await grains.GetGrain<IUserGrain>(userId).ResetPasswordAsync(secret, new Password(password)))
        {
            case PasswordResetResult.Reset reset:
                notices.PasswordReset(reset.Email, reset.Username, http.GetClientContext());
                await PageSignIn.SignOutAsync(http);
                return HostedPages.Render<MessagePage>(http, HostedPages.Message("Password changed", "Your new password is set, and every device was signed out. Sign in again with the new password."));
            case PasswordResetResult.InvalidNewPassword invalid:
                return Again(invalid.Error);
            default:
                return LinkFailed(http, title);
        }
    }

    private static IResult LinkFailed(HttpContext http, string title) => HostedPages.Render<MessagePage>(
        http,
        HostedPages.Message(title, "This link does not work: it may be incomplete, expired or already used. Ask for a new one.", error: true),
        StatusCodes.Status400BadRequest);

    private static IResult TooMany(HttpContext http, string title) => HostedPages.Render<MessagePage>(
        http,
        HostedPages.Message(title, "Too many attempts from here. Wait a minute and try again.", error: true),
        StatusCodes.Status429TooManyRequests);
}
