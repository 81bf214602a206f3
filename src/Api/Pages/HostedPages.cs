using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.OpenIdConnect;
using Identity.Api.Pages.Components;
using Identity.Api.RateLimiting;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Audit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Identity.Api.Pages;

/// <summary>
/// Server-rendered pages (Razor components, no script): sign-in here, consent and sign-out with the
/// OpenID Connect endpoints. Every page is sent with a strict Content-Security-Policy (nothing but
/// this origin's stylesheet; forms post only here and to the registered clients' origins, where
/// the answers redirect), <c>no-store</c>, and is not frameable; every form carries an antiforgery
/// token that is checked before anything else.
/// </summary>
internal static class HostedPages
{
    public const string LoginPath = "/account/login";
    public const string SecondFactorPath = "/account/login/second-factor";
    public const string RegisterPath = "/account/register";
    public const string StylesheetPath = "/account/site.css";
    public const string PasskeyScriptPath = "/account/passkey.js";
    public const string PasskeySignInPath = "/account/login/passkey";
    public const string PasskeySignInOptionsPath = "/account/login/passkey/options";
    public const string PasskeySecondFactorOptionsPath = "/account/login/second-factor/passkey-options";
    public const string DefaultServiceName = "Identity Grid";
    public const string AccountPath = "/account";
    public const string EndSessionPath = "/sessions/end";
    public const string EndOtherSessionsPath = "/sessions/end-others";

    private static readonly byte[] Stylesheet = ReadResource("Identity.Api.Pages.site.css");
    private static readonly byte[] PasskeyScript = ReadResource("Identity.Api.Pages.passkey.js");

    public static IServiceCollection AddHostedPages(this IServiceCollection services, TimeSpan sessionLifetime, string? keysDirectory)
    {
        services.AddRazorComponents();
        if (keysDirectory is { Length: > 0 })
        {
            // One application name for every node, so any node reads the cookies another wrote.
            services.AddDataProtection()
                .PersistKeysToFileSystem(new DirectoryInfo(keysDirectory))
                .SetApplicationName("identity-grid");
        }

        services.AddAntiforgery(options =>
        {
            // Secure when the request is (behind a TLS proxy: X-Forwarded-Proto); the default run is plain
            // HTTP on localhost, where the antiforgery system refuses an always-Secure cookie.
            options.Cookie.Name = "igx-antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.FormFieldName = "__RequestVerificationToken";
            // The pages send X-Frame-Options: DENY and frame-ancestors 'none' themselves.
            options.SuppressXFrameOptionsHeader = true;
        });
        services.AddPageSignIn(sessionLifetime);
        return services;
    }

    public static IEndpointRouteBuilder MapHostedPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("/account").ExcludeFromDescription();
        pages.MapGet("/site.css", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return TypedResults.Bytes(Stylesheet, "text/css; charset=utf-8");
        });
        pages.MapGet("/passkey.js", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return TypedResults.Bytes(PasskeyScript, "text/javascript; charset=utf-8");
        });
        pages.MapGet("/", ShowAccountAsync);
        pages.MapPost(EndSessionPath, EndSessionAsync).DisableAntiforgery();
        pages.MapPost(EndOtherSessionsPath, EndOtherSessionsAsync).DisableAntiforgery();
        pages.MapGet("/login", ShowLoginAsync);
        pages.MapGet("/register", (HttpContext http, string? returnUrl) =>
            Render<RegisterPage>(http, new Dictionary<string, object?> { ["ReturnUrl"] = LocalOrRoot(returnUrl) }));
        pages.MapPost("/register", RegisterAsync).DisableAntiforgery();
        pages.MapPost("/login", LoginAsync).DisableAntiforgery();
        pages.MapPost("/login/second-factor", CompleteSignInAsync).DisableAntiforgery();
        pages.MapPost("/login/passkey/options", PasswordlessOptionsAsync).DisableAntiforgery();
        pages.MapPost("/login/passkey", PasskeySignInAsync).DisableAntiforgery();
        pages.MapPost("/login/second-factor/passkey-options", SecondFactorPasskeyOptionsAsync).DisableAntiforgery();
        pages.MapSecurityPages();
        pages.MapRecoveryPages();
        pages.MapGet("/signed-out", (HttpContext http) => Render<MessagePage>(http, Message("Signed out", "You are signed out. You can close this window.")));
        pages.MapGet("/device-done", (HttpContext http, string? result) => result == "allowed"
            ? Render<MessagePage>(http, Message("Device connected", "You can go back to your device: it is signing in now."))
            : Render<MessagePage>(http, Message("Device not connected", "The device was not allowed to sign in. You can close this window.")));
        return routes;
    }

    /// <summary>Renders <typeparamref name="TPage"/> with the pages' headers and <paramref name="status"/>.</summary>
    public static IResult Render<TPage>(HttpContext http, IReadOnlyDictionary<string, object?> parameters, int status = StatusCodes.Status200OK)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        var headers = http.Response.Headers;
        var formTargets = string.Join(' ', http.RequestServices.GetRequiredService<ClientDirectory>().RedirectOrigins());
        // Script only where passkeys are offered: this origin's one file, which may only call this origin.
        var script = parameters.TryGetValue("Passkeys", out var passkeys) && passkeys is true ? " script-src 'self'; connect-src 'self';" : string.Empty;
        headers.ContentSecurityPolicy = $"default-src 'none';{script} style-src 'self'; img-src 'self' data:; form-action 'self' {formTargets}; frame-ancestors 'none'; base-uri 'none'";
        // As the antiforgery system sets them (it warns when it has to change them).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        var withName = new Dictionary<string, object?>(parameters) { ["ServiceName"] = ServiceName(http) };
        return new RazorComponentResult<TPage>(withName) { StatusCode = status };
    }

    public static string ServiceName(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().CurrentValue.ServiceName;

    /// <summary>Only this site's own paths: never an open redirect.</summary>
    public static string LocalOrRoot(string? returnUrl) =>
        returnUrl is { Length: > 1 } url && url[0] == '/' && url[1] is not '/' and not '\\' ? url : AccountPath;

    private static IResult ShowLoginAsync(HttpContext http, string? returnUrl) =>
        Render<LoginPage>(http, new Dictionary<string, object?> { ["ReturnUrl"] = LocalOrRoot(returnUrl), ["Passkeys"] = true });

    private static async Task<IResult> LoginAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, SecurityEvents events)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return FormExpired(http, "Sign in");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOrRoot(form["returnUrl"]);
        var username = form["username"].ToString();
        var password = form["password"].ToString();
        IResult Again(string error, int status) => Render<LoginPage>(
            http,
            new Dictionary<string, object?> { ["ReturnUrl"] = returnUrl, ["Username"] = username, ["Error"] = error, ["Passkeys"] = true },
            status);

        if (!RateLimits.TryAdmit(http, RateLimitRule.Login, Guid.Empty, out _))
        {
            return Again("Too many sign-in attempts from here. Wait a minute and try again.", StatusCodes.Status429TooManyRequests);
        }

        if (username.Length == 0 || password.Length == 0)
        {
            return Again("Enter your username (or email) and your password.", StatusCodes.Status400BadRequest);
        }

        const string refused = "That username or password is not right, or signing in is blocked for a while. Check them and try again.";
        if (PasswordText.CountCharacters(password) > Password.MaxLength || !LoginName.TryGetLoginKey(username, out var key))
        {
            events.LoginFailed(null, LoginRejection.UnknownUser, http.GetClientContext());
            return Again(refused, StatusCodes.Status401Unauthorized);
        }

        var result = await grains.GetGrain<ILoginNameGrain>(key).LoginAsync(new Password(password), http.GetClientContext(), deviceToken: http.Request.Cookies[DeviceCookie], TokenGrant.None);
        return result switch
        {
            LoginResult.Succeeded success => await ContinueSignedInAsync(http, grains, success, returnUrl),
            LoginResult.SecondFactorRequired challenge => Render<SecondFactorPage>(http, SecondFactorParameters(challenge.Ticket, challenge.Methods, returnUrl)),
            _ => Locked(http, result) ?? Again(refused, StatusCodes.Status401Unauthorized),
        };
    }

    private static Dictionary<string, object?> SecondFactorParameters(string ticket, IReadOnlyCollection<string> methods, string returnUrl, string? error = null) =>
        new() { ["Ticket"] = ticket, ["Methods"] = methods, ["ReturnUrl"] = returnUrl, ["Error"] = error, ["Passkeys"] = methods.Contains("passkey") };

    /// <summary>A refusal that just blocked the account: its owner is told (the answer stays the one refusal). Always null, for chaining.</summary>
    private static IResult? Locked(HttpContext http, LoginResult result)
    {
        if (result is LoginResult.Rejected { LockedNoticeTo: { } email })
        {
            http.RequestServices.GetRequiredService<Identity.Api.Mail.AccountNotices>().AccountLocked(email);
        }

        return null;
    }

    /// <summary>The second step: the ticket from the first, and a code (or a recovery code).</summary>
    private static async Task<IResult> CompleteSignInAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return FormExpired(http, "Two-step verification");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOrRoot(form["returnUrl"]);
        var ticket = form["ticket"].ToString();
        var code = form["code"].ToString().Trim();
        var recoveryCode = form["recoveryCode"].ToString().Trim();
        var passkey = form["passkey"].ToString();
        var methods = form["methods"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IResult Again(string error, int status) => Render<SecondFactorPage>(http, SecondFactorParameters(ticket, methods, returnUrl, error), status);

        if (!RateLimits.TryAdmit(http, RateLimitRule.Login, Guid.Empty, out _))
        {
            return Again("Too many attempts from here. Wait a minute and try again.", StatusCodes.Status429TooManyRequests);
        }

        if ((code.Length > 0 ? 1 : 0) + (recoveryCode.Length > 0 ? 1 : 0) + (passkey.Length > 0 ? 1 : 0) != 1 || code.Length + recoveryCode.Length > 64)
        {
            return Again("Enter the code from your authenticator app (or use a passkey, or one recovery code).", StatusCodes.Status400BadRequest);
        }

        if (!AccountTicket.TryRead(ticket, AccountTicket.SecondFactor, out var userId, out var secret))
        {
            return Render<MessagePage>(http, Message("Two-step verification", "This sign-in expired. Start again.", error: true), StatusCodes.Status400BadRequest);
        }

        var proof = code.Length > 0 ? new SecondFactorProof(SecondFactorKind.Totp, code)
            : passkey.Length > 0 ? new SecondFactorProof(SecondFactorKind.Passkey, passkey)
            : new SecondFactorProof(SecondFactorKind.RecoveryCode, recoveryCode);
        var result = await grains.GetGrain<IUserGrain>(userId).CompleteSignInAsync(secret, proof, http.GetClientContext());
        return result is LoginResult.Succeeded success
            ? await ContinueSignedInAsync(http, grains, success, returnUrl)
            : Locked(http, result) ?? Again("That code is not right or was already used, or this sign-in waited too long. Try again, or start again.", StatusCodes.Status401Unauthorized);
    }

    /// <summary>WebAuthn options for the login page's "Sign in with a passkey" (its script asks, posting the form for its antiforgery token).</summary>
    private static async Task<IResult> PasswordlessOptionsAsync(HttpContext http, IAntiforgery antiforgery, Identity.Grains.Users.PasskeyCeremonies ceremonies)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.BadRequest();
        }

        return RateLimits.TryAdmit(http, RateLimitRule.Login, Guid.Empty, out var refusal)
            ? TypedResults.Text(ceremonies.PasswordlessOptions().ToJson(), "application/json")
            : refusal;
    }

    /// <summary>The login page's passkey form: the browser's credential, signed in with alone.</summary>
    private static async Task<IResult> PasskeySignInAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return FormExpired(http, "Sign in");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOrRoot(form["returnUrl"]);
        var credential = form["credential"].ToString();
        if (!RateLimits.TryAdmit(http, RateLimitRule.Login, Guid.Empty, out _)
            || !Identity.Grains.Users.PasskeyCeremonies.TryPeek(credential, out _, out var owner) || owner is not { } userId)
        {
            return Render<LoginPage>(http, new Dictionary<string, object?> { ["ReturnUrl"] = returnUrl, ["Error"] = "That passkey could not sign you in. Try again, or sign in with your password.", ["Passkeys"] = true }, StatusCodes.Status401Unauthorized);
        }

        var result = await grains.GetGrain<IUserGrain>(userId).SignInWithPasskeyAsync(credential, http.GetClientContext(), http.Request.Cookies[DeviceCookie], TokenGrant.None);
        return result is LoginResult.Succeeded success
            ? await ContinueSignedInAsync(http, grains, success, returnUrl)
            : Locked(http, result) ?? Render<LoginPage>(http, new Dictionary<string, object?> { ["ReturnUrl"] = returnUrl, ["Error"] = "That passkey could not sign you in. Try again, or sign in with your password.", ["Passkeys"] = true }, StatusCodes.Status401Unauthorized);
    }

    /// <summary>WebAuthn options for the second step's "Use a passkey": the form's ticket says whose.</summary>
    private static async Task<IResult> SecondFactorPasskeyOptionsAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.BadRequest();
        }

        var ticket = (await http.Request.ReadFormAsync(http.RequestAborted))["ticket"].ToString();
        return AccountTicket.TryRead(ticket, AccountTicket.SecondFactor, out var userId, out var secret)
            && await grains.GetGrain<IUserGrain>(userId).GetPasskeyAssertionOptionsAsync(secret) is { } options
                ? TypedResults.Text(options, "application/json")
                : TypedResults.Unauthorized();
    }

    /// <summary>After a sign-in succeeded: the pages' cookie, then on to <paramref name="returnUrl"/> — unless the password must change first.</summary>
    private static async Task<IResult> ContinueSignedInAsync(HttpContext http, IGrainFactory grains, LoginResult.Succeeded success, string returnUrl)
    {
        if (success.PasswordChangeRequired)
        {
            // The pages cannot change a password yet: the sign-in must not go on with one that has to change.
            await grains.GetGrain<IUserGrain>(success.UserId).RevokeSessionAsync(success.Tokens.SessionId);
            return Render<MessagePage>(http, Message("Change your password", "Your password must be changed before you can sign in here. Change it in the app, then sign in again.", error: true), StatusCodes.Status403Forbidden);
        }

        await SignInAsync(http, success, success.Username ?? string.Empty);
        return TypedResults.Redirect(returnUrl);
    }

    /// <summary>The pages' sign-in after a successful login: the session cookie, the device token for the next one, and the owner told of a new device.</summary>
    private static Task SignInAsync(HttpContext http, LoginResult.Succeeded success, string username)
    {
        if (success.NewDevice)
        {
            http.RequestServices.GetRequiredService<Identity.Api.Mail.AccountNotices>().NewDeviceSignIn(success.Email, username, http.GetClientContext());
        }

        http.Response.Cookies.Append(DeviceCookie, success.DeviceToken, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = "/account",
            MaxAge = TimeSpan.FromDays(365),
        });
        return PageSignIn.SignInAsync(http, success.UserId, success.Tokens, username);
    }

    /// <summary>
    /// Creates the account by the same rules as <c>POST /v1/users</c> (and its per-address budget),
    /// then signs in as the login page does and goes on to the return URL.
    /// </summary>
    private static async Task<IResult> RegisterAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, Identity.Api.Mail.AccountLinks links)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return FormExpired(http, "Create your account");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOrRoot(form["returnUrl"]);
        var username = form["username"].ToString();
        var email = form["email"].ToString() is { Length: > 0 } given ? given : null;
        var password = form["password"].ToString();
        IResult Again(Dictionary<string, string> errors, int status) => Render<RegisterPage>(
            http,
            new Dictionary<string, object?> { ["ReturnUrl"] = returnUrl, ["Username"] = username, ["Email"] = email, ["Errors"] = errors },
            status);

        if (!RateLimits.TryAdmit(http, RateLimitRule.Registration, Guid.Empty, out _))
        {
            return Again(new() { ["username"] = "Too many new accounts from here. Wait a minute and try again." }, StatusCodes.Status429TooManyRequests);
        }

        var errors = new Dictionary<string, string>();
        if (username.Length == 0)
        {
            errors["username"] = "Choose a username.";
        }

        if (password.Length == 0)
        {
            errors["password"] = "Choose a password.";
        }
        else if (PasswordText.CountCharacters(password) > Password.MaxLength)
        {
            errors["password"] = $"The password must be at most {Password.MaxLength} characters.";
        }

        if (errors.Count > 0)
        {
            return Again(errors, StatusCodes.Status400BadRequest);
        }

        var result = await grains.GetGrain<IUserGrain>(Guid.CreateVersion7()).RegisterAsync(new Registration(username, email, new Password(password)));
        switch (result)
        {
            case RegistrationResult.UsernameTaken:
                return Again(new() { ["username"] = "That username is already taken." }, StatusCodes.Status409Conflict);
            case RegistrationResult.EmailTaken:
                return Again(new() { ["email"] = "That email address is already registered. Sign in instead." }, StatusCodes.Status409Conflict);
            case RegistrationResult.Invalid invalid:
                return Again(invalid.Errors.ToDictionary(e => e.Key, e => e.Value), StatusCodes.Status400BadRequest);
            case RegistrationResult.Registered { Verification: { } verification } registered:
                links.EmailVerification(verification, registered.Username);
                break;
        }

        LoginName.TryGetLoginKey(username, out var key);
        if (await grains.GetGrain<ILoginNameGrain>(key).LoginAsync(new Password(password), http.GetClientContext(), deviceToken: null, TokenGrant.None) is not LoginResult.Succeeded success)
        {
            // Created, but the sign-in was refused (throttled): the login page says the rest.
            return TypedResults.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        await SignInAsync(http, success, username);
        return TypedResults.Redirect(returnUrl);
    }

    /// <summary>"Your devices": the account's live sessions, this one marked, each with a sign-out.</summary>
    private static async Task<IResult> ShowAccountAsync(HttpContext http, IGrainFactory grains, ClientDirectory directory)
    {
        if (await PageSignIn.CurrentAsync(http) is not { } user)
        {
            return TypedResults.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString(AccountPath)}");
        }

        var sessions = await grains.GetGrain<IUserGrain>(user.UserId).ListSessionsAsync();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in sessions.Select(s => s.ClientId).OfType<string>().Distinct())
        {
            names[id] = (await directory.FindAsync(id))?.DisplayName ?? id;
        }

        var devices = sessions
            .OrderByDescending(s => s.LastSeenAt)
            .Select(s => new AccountDevice(
                s.SessionId,
                DeviceNames.Describe(s.UserAgent),
                s.ClientId is { } id ? names[id] : s.SessionId == user.SessionId ? "This sign-in" : "App sign-in",
                s.IpAddress,
                s.CreatedAt.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture),
                s.LastSeenAt.ToString("d MMM yyyy HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
                s.SessionId == user.SessionId))
            .ToList();
        return Render<AccountPage>(http, new Dictionary<string, object?>
        {
            ["Username"] = user.Username,
            ["Devices"] = devices,
            ["EndPath"] = AccountPath + EndSessionPath,
            ["EndOthersPath"] = AccountPath + EndOtherSessionsPath,
        });
    }

    /// <summary>Signs one device out; this one means signing out here too.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (await SignedInFormAsync(http, antiforgery) is not { } user)
        {
            return Expired(http);
        }

        if (Guid.TryParse(http.Request.Form["session_id"], out var sessionId))
        {
            await grains.GetGrain<IUserGrain>(user.UserId).RevokeSessionAsync(sessionId);
            if (sessionId == user.SessionId)
            {
                await PageSignIn.SignOutAsync(http);
                return TypedResults.Redirect("/account/signed-out");
            }
        }

        return TypedResults.Redirect(AccountPath);
    }

    private static async Task<IResult> EndOtherSessionsAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains)
    {
        if (await SignedInFormAsync(http, antiforgery) is not { } user)
        {
            return Expired(http);
        }

        await grains.GetGrain<IUserGrain>(user.UserId).RevokeOtherSessionsAsync(user.SessionId);
        return TypedResults.Redirect(AccountPath);
    }

    /// <summary>The signed-in user of a form post whose antiforgery token holds, else null.</summary>
    private static async Task<PageUser?> SignedInFormAsync(HttpContext http, IAntiforgery antiforgery) =>
        await antiforgery.IsRequestValidAsync(http) ? await PageSignIn.CurrentAsync(http) : null;

    private static IResult Expired(HttpContext http) =>
        FormExpired(http, "Your devices");

    /// <summary>The device token of the login API, kept by the browser: a returning browser is its own throttling source.</summary>
    private const string DeviceCookie = "__Secure-igd";

    /// <summary>A form whose antiforgery token does not hold (expired, forged, or its sign-in ended): 400 and a page saying what to do.</summary>
    public static IResult FormExpired(HttpContext http, string title) =>
        Render<MessagePage>(http, Message(title, "This form expired, or you were signed out. Go back, reload the page and try again.", error: true), StatusCodes.Status400BadRequest);

    public static Dictionary<string, object?> Message(string title, string message, bool error = false) =>
        new() { ["Title"] = title, ["Message"] = message, ["IsError"] = error };

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(HostedPages).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}

/// <summary>One row of "your devices".</summary>
public sealed record AccountDevice(Guid SessionId, string Name, string App, string? Place, string Since, string LastSeen, bool Current);
