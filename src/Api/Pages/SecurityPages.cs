using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.Pages.Components;
using Identity.Api.RateLimiting;
using Identity.Contracts.Passwords;
using Identity.Contracts.Users;
using Identity.Grains.Hosting;
using Identity.Grains.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace Identity.Api.Pages;

/// <summary>
/// "Sign-in security" (<c>/account/security</c>): the account's address, authenticator app,
/// passkeys and recovery codes, as the JSON API manages them, with the pages' rules (antiforgery,
/// CSP, budgets). Every change needs a recent sign-in, as in the API: otherwise the page asks for
/// the password (and second factor) first.
/// </summary>
internal static class SecurityPages
{
    public const string SecurityPath = "/account/security";
    public const string ConfirmPath = "/account/security/confirm";
    public const string AddTotpPath = "/account/security/totp";
    public const string ConfirmTotpPath = "/account/security/totp/confirm";
    public const string RemoveTotpPath = "/account/security/totp/remove";
    public const string RecoveryCodesPath = "/account/security/recovery-codes";
    public const string PasskeyOptionsPath = "/account/security/passkeys/options";
    public const string AddPasskeyPath = "/account/security/passkeys";
    public const string RemovePasskeyPath = "/account/security/passkeys/remove";
    public const string ResendPath = "/account/security/email/resend";

    public static RouteGroupBuilder MapSecurityPages(this RouteGroupBuilder pages)
    {
        pages.MapGet("/security", ShowAsync);
        pages.MapPost("/security/confirm", ConfirmAsync).DisableAntiforgery();
        pages.MapPost("/security/totp", AddTotpAsync).DisableAntiforgery();
        pages.MapPost("/security/totp/confirm", ConfirmTotpAsync).DisableAntiforgery();
        pages.MapPost("/security/totp/remove", RemoveTotpAsync).DisableAntiforgery();
        pages.MapPost("/security/recovery-codes", RegenerateCodesAsync).DisableAntiforgery();
        pages.MapPost("/security/passkeys/options", PasskeyOptionsAsync).DisableAntiforgery();
        pages.MapPost("/security/passkeys", AddPasskeyAsync).DisableAntiforgery();
        pages.MapPost("/security/passkeys/remove", RemovePasskeyAsync).DisableAntiforgery();
        pages.MapPost("/security/email/resend", ResendAsync).DisableAntiforgery();
        return pages;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IGrainFactory grains) =>
        await PageSignIn.CurrentAsync(http) is { } user
            ? await PageAsync(http, grains, user, notice: null)
            : TypedResults.Redirect($"{HostedPages.LoginPath}?returnUrl={Uri.EscapeDataString(SecurityPath)}");

    private static async Task<IResult> PageAsync(HttpContext http, IGrainFactory grains, PageUser user, string? notice, int status = StatusCodes.Status200OK) =>
        await grains.GetGrain<IUserGrain>(user.UserId).GetSecurityAsync() is { } account
            ? HostedPages.Render<SecurityPage>(http, new Dictionary<string, object?> { ["Account"] = account, ["Notice"] = notice, ["Passkeys"] = true }, status)
            : TypedResults.Redirect(HostedPages.LoginPath);

    /// <summary>The signed-in user of a valid form post, and whether their sign-in is recent enough for a change; null when the form or sign-in does not hold.</summary>
    private static async Task<(PageUser User, bool Recent)?> ChangeAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http) || await PageSignIn.CurrentAsync(http) is not { } user
            || await http.RequestServices.GetRequiredService<SessionGrains>().Get(user.SessionId).GetViewAsync() is not { } session)
        {
            return null;
        }

        var now = http.RequestServices.GetRequiredKeyedService<TimeProvider>(IdentityClock.Key).GetUtcNow();
        return (user, http.RequestServices.GetRequiredService<IOptions<AccountOptions>>().Value.IsRecent(session.AuthenticatedAt, now));
    }

    private static async Task<IResult> ConfirmFirstAsync(HttpContext http, IGrainFactory grains, PageUser user, string? error = null, int status = StatusCodes.Status200OK)
    {
        var account = await grains.GetGrain<IUserGrain>(user.UserId).GetSecurityAsync();
        return HostedPages.Render<ConfirmIdentityPage>(http, new Dictionary<string, object?> { ["SecondFactor"] = account?.SecondFactors.Count > 0, ["Error"] = error }, status);
    }

    private static IResult Expired(HttpContext http) => HostedPages.FormExpired(http, "Sign-in security");

    private static async Task<IResult> ConfirmAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, _))
        {
            return Expired(http);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.PasswordChange, user.UserId, out _))
        {
            return await ConfirmFirstAsync(http, grains, user, "Too many attempts. Wait a minute and try again.", StatusCodes.Status429TooManyRequests);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var password = form["password"].ToString();
        var code = form["code"].ToString().Trim();
        if (password.Length == 0 || PasswordText.CountCharacters(password) > Password.MaxLength || code.Length > 64)
        {
            return await ConfirmFirstAsync(http, grains, user, "Enter your password.", StatusCodes.Status400BadRequest);
        }

        // Six digits are the app's code; anything else typed there is a recovery code.
        SecondFactorProof? proof = code.Length == 0 ? null
            : code.Length == 6 && code.All(char.IsAsciiDigit) ? new SecondFactorProof(SecondFactorKind.Totp, code)
            : new SecondFactorProof(SecondFactorKind.RecoveryCode, code);
        var result = await grains.GetGrain<IUserGrain>(user.UserId).ReauthenticateAsync(user.SessionId, new Password(password), proof);
        return result switch
        {
            ReauthenticationResult.Done => await PageAsync(http, grains, user, "Confirmed. You can change your sign-in security for the next few minutes."),
            ReauthenticationResult.SecondFactorRequired => await ConfirmFirstAsync(http, grains, user, "Enter the code from your authenticator app (or a recovery code) too.", StatusCodes.Status400BadRequest),
            _ => await ConfirmFirstAsync(http, grains, user, "That is not right, or attempts are blocked for a while.", StatusCodes.Status403Forbidden),
        };
    }

    private static async Task<IResult> AddTotpAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return Expired(http);
        }

        if (!recent)
        {
            return await ConfirmFirstAsync(http, grains, user);
        }

        if (await grains.GetGrain<IUserGrain>(user.UserId).BeginTotpEnrolmentAsync() is not { } enrolment)
        {
            return await PageAsync(http, grains, user, "The account already has an authenticator app.", StatusCodes.Status409Conflict);
        }

        return HostedPages.Render<TotpSetupPage>(http, new Dictionary<string, object?> { ["Secret"] = enrolment.Secret, ["Uri"] = enrolment.Uri });
    }

    private static async Task<IResult> ConfirmTotpAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, _))
        {
            return Expired(http);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var code = form["code"].ToString().Trim();
        var result = code.Length is > 0 and <= 16 ? await grains.GetGrain<IUserGrain>(user.UserId).ConfirmTotpAsync(code) : new TotpConfirmation.WrongCode();
        switch (result)
        {
            case TotpConfirmation.Confirmed confirmed:
                notices.SecondFactorChanged(confirmed.Email, confirmed.Username, "An authenticator app was added", http.GetClientContext());
                return confirmed.RecoveryCodes is { } codes
                    ? HostedPages.Render<RecoveryCodesPage>(http, new Dictionary<string, object?> { ["Codes"] = codes, ["Lead"] = "Your authenticator app is on." })
                    : await PageAsync(http, grains, user, "Your authenticator app is on.");
            case TotpConfirmation.WrongCode:
                return HostedPages.Render<TotpSetupPage>(
                    http,
                    new Dictionary<string, object?> { ["Secret"] = form["secret"].ToString(), ["Uri"] = form["uri"].ToString(), ["Error"] = "That is not the code the app shows now. Check the device's clock and try again." },
                    StatusCodes.Status400BadRequest);
            default:
                return await PageAsync(http, grains, user, "Start adding the app again.", StatusCodes.Status409Conflict);
        }
    }

    private static async Task<IResult> RemoveTotpAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return Expired(http);
        }

        if (!recent)
        {
            return await ConfirmFirstAsync(http, grains, user);
        }

        var removal = await grains.GetGrain<IUserGrain>(user.UserId).RemoveTotpAsync();
        if (removal.Removed)
        {
            notices.SecondFactorChanged(removal.Email, removal.Username, "The authenticator app was removed", http.GetClientContext());
        }

        return await PageAsync(http, grains, user, removal.Removed ? "The authenticator app was removed." : null);
    }

    private static async Task<IResult> RegenerateCodesAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return Expired(http);
        }

        if (!recent)
        {
            return await ConfirmFirstAsync(http, grains, user);
        }

        var codes = await grains.GetGrain<IUserGrain>(user.UserId).RegenerateRecoveryCodesAsync();
        if (codes.Codes is not { } fresh)
        {
            return await PageAsync(http, grains, user, "Add an authenticator app or a passkey first.", StatusCodes.Status409Conflict);
        }

        notices.SecondFactorChanged(codes.Email, codes.Username, "New recovery codes were made (the old ones no longer work)", http.GetClientContext());
        return HostedPages.Render<RecoveryCodesPage>(http, new Dictionary<string, object?> { ["Codes"] = fresh, ["Lead"] = "Your old codes no longer work." });
    }

    /// <summary>WebAuthn options for "Add a passkey" (the page's script asks, posting the form); 403 when the sign-in is not recent (the page says to confirm).</summary>
    private static async Task<IResult> PasskeyOptionsAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return TypedResults.BadRequest();
        }

        if (!recent)
        {
            return TypedResults.Forbid();
        }

        return await grains.GetGrain<IUserGrain>(user.UserId).BeginPasskeyRegistrationAsync() is { } options
            ? TypedResults.Text(options, "application/json")
            : TypedResults.Conflict();
    }

    private static async Task<IResult> AddPasskeyAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return Expired(http);
        }

        if (!recent)
        {
            return await ConfirmFirstAsync(http, grains, user);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var result = await grains.GetGrain<IUserGrain>(user.UserId).CompletePasskeyRegistrationAsync(form["credential"].ToString(), form["name"].ToString());
        if (result is not PasskeyRegistration.Added added)
        {
            return await PageAsync(http, grains, user, "The passkey could not be added. Try again.", StatusCodes.Status400BadRequest);
        }

        notices.SecondFactorChanged(added.Email, added.Username, $"A passkey (“{added.Passkey.Name}”) was added", http.GetClientContext());
        return added.RecoveryCodes is { } codes
            ? HostedPages.Render<RecoveryCodesPage>(http, new Dictionary<string, object?> { ["Codes"] = codes, ["Lead"] = $"Your passkey “{added.Passkey.Name}” is added." })
            : await PageAsync(http, grains, user, $"Your passkey “{added.Passkey.Name}” is added.");
    }

    private static async Task<IResult> RemovePasskeyAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountNotices notices)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, var recent))
        {
            return Expired(http);
        }

        if (!recent)
        {
            return await ConfirmFirstAsync(http, grains, user);
        }

        var removal = await grains.GetGrain<IUserGrain>(user.UserId).RemovePasskeyAsync(http.Request.Form["passkey_id"].ToString());
        if (removal.Removed)
        {
            notices.SecondFactorChanged(removal.Email, removal.Username, "A passkey was removed", http.GetClientContext());
        }

        return await PageAsync(http, grains, user, removal.Removed ? "The passkey was removed." : null);
    }

    private static async Task<IResult> ResendAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, AccountLinks links)
    {
        if (await ChangeAsync(http, antiforgery) is not ({ } user, _))
        {
            return Expired(http);
        }

        if (!RateLimits.TryAdmit(http, RateLimitRule.AccountChange, user.UserId, out _))
        {
            return await PageAsync(http, grains, user, "Too many attempts. Wait a minute and try again.", StatusCodes.Status429TooManyRequests);
        }

        if (await grains.GetGrain<IUserGrain>(user.UserId).ResendEmailVerificationAsync() is EmailChangeResult.Pending pending)
        {
            links.EmailVerification(pending.Verification, user.Username);
            return await PageAsync(http, grains, user, $"A new confirmation is on its way to {pending.Verification.Address}.");
        }

        return await PageAsync(http, grains, user, null);
    }
}
