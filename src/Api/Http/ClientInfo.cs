using Identity.Contracts.Sessions;

namespace Identity.Api.Http;

internal static class ClientInfo
{
    private const int MaxUserAgentLength = 256;

    /// <summary>
    /// The caller as the session list shows it: the connection's remote address (put the Api behind
    /// a proxy that terminates connections only with forwarded-header handling in front) and the
    /// User-Agent, truncated.
    /// </summary>
    public static ClientContext From(HttpContext context)
    {
        var userAgent = context.Request.Headers.UserAgent.ToString();
        if (userAgent.Length > MaxUserAgentLength)
        {
            userAgent = userAgent[..MaxUserAgentLength];
        }

        return new ClientContext(
            userAgent.Length == 0 ? null : userAgent,
            context.Connection.RemoteIpAddress?.ToString());
    }

    /// <summary>The partition key for per-client rate limits.</summary>
    public static string RateLimitKey(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
