using System.Security.Claims;
using Identity.Api.Grid;
using Identity.Contracts.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Identity.Api.Pages;

/// <summary>Who is signed in to the hosted pages: the account and the grid session the sign-in started.</summary>
internal sealed record PageUser(Guid UserId, Guid SessionId, string Username);

/// <summary>
/// The hosted pages' own sign-in: a grid session started by the login page (listed with the
/// account's other sessions, ended like them), remembered in an encrypted, HttpOnly, host-only
/// cookie. The cookie is only a pointer: every use checks that its session is still live, so
/// ending the session (here, from the account's devices, by an operator, by a password change)
/// signs the browser out at once.
/// </summary>
internal static class PageSignIn
{
    public const string Scheme = "identity-pages";
    public const string CookieName = "__Host-igp";

    private const string SessionClaim = "sid";

    public static void AddPageSignIn(this IServiceCollection services, TimeSpan sessionLifetime) =>
        services.AddAuthentication().AddCookie(Scheme, options =>
        {
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.Path = "/";
            options.ExpireTimeSpan = sessionLifetime;
            options.SlidingExpiration = true;
            options.LoginPath = HostedPages.LoginPath;
            options.Events.OnValidatePrincipal = async context =>
            {
                if (Read(context.Principal) is not { } user
                    || await context.HttpContext.RequestServices.GetRequiredService<SessionGrains>().Get(user.SessionId).GetViewAsync() is not { } session
                    || session.UserId != user.UserId)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(Scheme);
                }
            };
        });

    /// <summary>The signed-in user whose session is live, or null.</summary>
    public static async Task<PageUser?> CurrentAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        return result.Succeeded ? Read(result.Principal) : null;
    }

    public static Task SignInAsync(HttpContext http, Guid userId, IssuedTokens session, string username)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, userId.ToString("D")),
                new Claim(ClaimTypes.Name, username),
                new Claim(SessionClaim, session.SessionId.ToString("D")),
            ],
            Scheme);
        return http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
    }

    public static Task SignOutAsync(HttpContext http) => http.SignOutAsync(Scheme);

    private static PageUser? Read(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
        && Guid.TryParse(principal.FindFirstValue(SessionClaim), out var sessionId)
            ? new PageUser(userId, sessionId, principal.FindFirstValue(ClaimTypes.Name) ?? string.Empty)
            : null;
}
