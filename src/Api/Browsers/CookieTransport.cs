using System.Security.Cryptography;
using System.Text;

namespace Identity.Api.Browsers;

/// <summary>
/// The cookie transport (<see cref="BrowserOptions.Cookies"/>), for a first-party web app served
/// from the API's own origin. Threat model (README, "Browsers"):
/// <list type="bullet">
/// <item>Tokens never reach scripts: the access token is in <c>__Host-igs-access</c> (HttpOnly, Secure,
/// SameSite=Lax, Path=/), the refresh token in <c>__Secure-igs-refresh</c> (HttpOnly, Secure,
/// SameSite=Strict, only sent to <c>/v1/browser/sessions</c>). An XSS can act while the page is open
/// but cannot steal the session.</item>
/// <item>Cross-site request forgery: every unsafe request authenticated by cookie must carry the
/// CSRF token (header <c>X-CSRF-Token</c>, equal to the <c>__Host-igs-csrf</c> cookie, which another
/// site can neither read nor, thanks to the <c>__Host-</c> prefix, set from a subdomain) and an
/// <c>Origin</c> that is the API's own or a configured one. Sign-in itself requires such an Origin
/// (no login CSRF).</item>
/// </list>
/// </summary>
internal static class CookieTransport
{
    public const string AccessCookie = "__Host-igs-access";
    public const string RefreshCookie = "__Secure-igs-refresh";
    public const string CsrfCookie = "__Host-igs-csrf";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string BasePath = "/v1/browser/sessions";

    /// <summary>Sets the three cookies for a new token pair; returns the CSRF token (also in the body for the app).</summary>
    public static string Issue(HttpResponse response, string accessToken, string refreshToken, TimeSpan accessLifetime, TimeSpan refreshLifetime)
    {
        var csrf = Base64UrlToken();
        response.Cookies.Append(AccessCookie, accessToken, Cookie(SameSiteMode.Lax, "/", accessLifetime, httpOnly: true));
        response.Cookies.Append(RefreshCookie, refreshToken, Cookie(SameSiteMode.Strict, BasePath, refreshLifetime, httpOnly: true));
        response.Cookies.Append(CsrfCookie, csrf, Cookie(SameSiteMode.Strict, "/", refreshLifetime, httpOnly: false));
        return csrf;
    }

    /// <summary>Removes the cookies (sign-out, or a refresh token that no longer works).</summary>
    public static void Clear(HttpResponse response)
    {
        response.Cookies.Delete(AccessCookie, Cookie(SameSiteMode.Lax, "/", TimeSpan.Zero, httpOnly: true));
        response.Cookies.Delete(RefreshCookie, Cookie(SameSiteMode.Strict, BasePath, TimeSpan.Zero, httpOnly: true));
        response.Cookies.Delete(CsrfCookie, Cookie(SameSiteMode.Strict, "/", TimeSpan.Zero, httpOnly: false));
    }

    /// <summary>
    /// Whether a request authenticated by cookie may proceed: safe methods always; unsafe ones only
    /// with an allowed <c>Origin</c> and the CSRF token matching its cookie.
    /// </summary>
    public static bool PassesForgeryChecks(HttpRequest request, BrowserOptions options) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
        || (HasAllowedOrigin(request, options) && HasMatchingCsrfToken(request));

    /// <summary>An <c>Origin</c> header naming the API's own origin or a configured one.</summary>
    public static bool HasAllowedOrigin(HttpRequest request, BrowserOptions options)
    {
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && (string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
                || options.AllowedOrigins.Any(allowed => string.Equals(origin, allowed.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)));
    }

    private static bool HasMatchingCsrfToken(HttpRequest request)
    {
        var header = request.Headers[CsrfHeader].ToString();
        var cookie = request.Cookies[CsrfCookie];
        return header.Length > 0 && cookie is { Length: > 0 }
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(cookie));
    }

    private static CookieOptions Cookie(SameSiteMode sameSite, string path, TimeSpan lifetime, bool httpOnly) => new()
    {
        HttpOnly = httpOnly,
        Secure = true,
        SameSite = sameSite,
        Path = path,
        MaxAge = lifetime,
        IsEssential = true,
    };

    private static string Base64UrlToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
