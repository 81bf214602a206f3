using System.Net;
using Identity.Contracts.Sessions;

namespace Identity.Api.Http;

internal static class ClientContextExtensions
{
    private const int MaxUserAgentLength = 256;

    /// <summary>
    /// The caller as its session list shows it: the connection's remote address (put the Api behind
    /// a proxy that terminates connections only with forwarded-header handling in front) and the
    /// User-Agent, truncated.
    /// </summary>
    public static ClientContext GetClientContext(this HttpContext context)
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

    /// <summary>The address per-client budgets are kept for; callers without one share a single budget.</summary>
    public static IPAddress ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress ?? IPAddress.None;
}
