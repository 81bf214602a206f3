namespace Identity.Api.Http;

/// <summary>
/// Headers every response carries: <c>X-Content-Type-Options: nosniff</c>, and on the API's own
/// routes (<c>/v1/…</c>: token-bearing or per-user answers) <c>Cache-Control: no-store</c>, so no
/// shared cache keeps a token or someone's session list. HSTS is added by the platform on HTTPS
/// requests (not for localhost). Hosts are limited by the platform's <c>AllowedHosts</c> setting.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// Sets the headers as the request comes in (a callback at response start costs an allocation
    /// per request on the hot path); the exception handler, which clears headers, sets them again.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        Apply(context);
        return next(context);
    });

    public static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            headers.CacheControl = "no-store";
        }
    }
}
