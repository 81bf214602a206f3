namespace Identity.Api.Http;

/// <summary>
/// Headers every response carries: <c>X-Content-Type-Options: nosniff</c>, and on the API's own
/// routes (<c>/v1/…</c>: token-bearing or per-user answers) <c>Cache-Control: no-store</c>, so no
/// shared cache keeps a token or someone's session list. HSTS is added by the platform on HTTPS
/// requests (not for localhost). Hosts are limited by the platform's <c>AllowedHosts</c> setting.
/// </summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Set as the response starts: error handling clears headers set earlier.
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            if (http.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
            {
                http.Response.Headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
