using System.Net;
using System.Net.Sockets;

namespace Identity.Contracts.Sessions;

/// <summary>
/// The unit per-client budgets and login throttling count by: the client's IPv4 address, or the
/// /64 network of its IPv6 address (one subscriber usually holds a whole /64, so counting single
/// IPv6 addresses would give it 2^64 budgets). Callers without an address share a single one.
/// </summary>
public static class ClientSource
{
    public static IPAddress Of(IPAddress? address)
    {
        if (address is null)
        {
            return IPAddress.None;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>The source of <paramref name="client"/> as text: <c>address:192.0.2.7</c>, <c>address:2001:db8::</c> (a /64) or <c>address:unknown</c>.</summary>
    public static string KeyOf(ClientContext client) =>
        client.IpAddress is { } text && IPAddress.TryParse(text, out var address) ? $"address:{Of(address)}" : "address:unknown";
}
