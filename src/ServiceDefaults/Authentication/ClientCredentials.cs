using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Identity.ServiceDefaults.Authentication;

/// <summary>
/// HTTP Basic authentication of a configured client (a service, or an operator's tool): RFC 6749
/// §2.3.1, id and secret form-urlencoded before Basic encoding, the secret checked in constant time
/// against its stored SHA-256 (<see cref="ConfiguredClient"/>).
/// </summary>
public static class ClientCredentials
{
    public static bool IsAuthenticated(HttpContext http, IReadOnlyList<ConfiguredClient> clients) => TryAuthenticate(http, clients, out _);

    /// <summary>Whether the request carries the id and secret of one of <paramref name="clients"/>; if so, which.</summary>
    public static bool TryAuthenticate(HttpContext http, IReadOnlyList<ConfiguredClient> clients, out string clientId)
    {
        clientId = string.Empty;
        if (!AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return false;
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
        var presentedId = Uri.UnescapeDataString(credentials[..colon].Replace('+', ' '));
        var secret = Uri.UnescapeDataString(credentials[(colon + 1)..].Replace('+', ' '));
        var client = clients.FirstOrDefault(c => string.Equals(c.ClientId, presentedId, StringComparison.Ordinal));
        if (client is null || !client.Accepts(secret))
        {
            return false;
        }

        clientId = client.ClientId;
        return true;
    }
}
