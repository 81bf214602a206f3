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

    /// <summary>
    /// The address per-client budgets are kept for: the client's IPv4 address, or the /64 network of
    /// its IPv6 address (one subscriber usually holds a whole /64, so counting single IPv6 addresses
    /// would give it 2^64 budgets). Callers without an address share a single budget.
    /// </summary>
    public static IPAddress ClientAddress(this HttpContext context) => BudgetKeyOf(context.Connection.RemoteIpAddress);

    internal static IPAddress BudgetKeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return IPAddress.None;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
