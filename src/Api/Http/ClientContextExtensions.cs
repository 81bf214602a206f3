using System.Net;
using Identity.Contracts.Sessions;

namespace Identity.Api.Http;

internal static class ClientContextExtensions
{
    private const int MaxUserAgentLength = 256;

    /// <summary>
    /// The caller as its session list shows it: the client's address (the connection's, or the one a
    /// trusted proxy forwarded: <see cref="ClientAddressOptions"/>) and the User-Agent, truncated.
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

    /// <summary>The address per-client budgets are kept for (<see cref="ClientSource"/>).</summary>
    public static IPAddress ClientAddress(this HttpContext context) => ClientSource.Of(context.Connection.RemoteIpAddress);
}
