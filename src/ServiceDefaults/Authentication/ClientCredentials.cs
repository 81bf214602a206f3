using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Identity.ServiceDefaults.Authentication;

/// <summary>How a client authenticated, or why it did not (RFC 6749 §2.3.1).</summary>
public enum ClientAuthentication
{
    /// <summary>No credentials, or wrong ones.</summary>
    Failed,

    Authenticated,

    /// <summary>Both HTTP Basic and credentials in the body: RFC 6749 allows one method per request (<c>invalid_request</c>).</summary>
    MoreThanOneMethod,
}

/// <summary>
/// Authentication of a configured client (a service, or an operator's tool) by RFC 6749 §2.3.1:
/// HTTP Basic (id and secret form-urlencoded before Basic encoding) or, where the endpoint reads a
/// form, <c>client_id</c> and <c>client_secret</c> in the body (<c>client_secret_post</c>). The
/// secret is checked in constant time against its stored SHA-256 (<see cref="ConfiguredClient"/>).
/// </summary>
public static class ClientCredentials
{
    public static bool IsAuthenticated(HttpContext http, IReadOnlyList<ConfiguredClient> clients) => TryAuthenticate(http, clients, out _);

    /// <summary>Whether the request carries (by HTTP Basic) the id and secret of one of <paramref name="clients"/>; if so, which.</summary>
    public static bool TryAuthenticate(HttpContext http, IReadOnlyList<ConfiguredClient> clients, out string clientId)
    {
        var authenticated = TryBasic(http, clients, out var client);
        clientId = client?.ClientId ?? string.Empty;
        return authenticated;
    }

    /// <summary>HTTP Basic, or <c>client_id</c> and <c>client_secret</c> in <paramref name="form"/> (empty fields count as absent); never both.</summary>
    public static ClientAuthentication Authenticate<TClient>(HttpContext http, IReadOnlyList<TClient> clients, IFormCollection? form, out TClient? client)
        where TClient : ConfiguredClient
    {
        client = null;
        var postedId = form?["client_id"].ToString() ?? string.Empty;
        var postedSecret = form?["client_secret"].ToString() ?? string.Empty;
        var posted = postedId.Length > 0 || postedSecret.Length > 0;
        if (http.Request.Headers.Authorization.Count > 0)
        {
            return posted ? ClientAuthentication.MoreThanOneMethod
                : TryBasic(http, clients, out client) ? ClientAuthentication.Authenticated : ClientAuthentication.Failed;
        }

        if (!posted || form!["client_id"].Count > 1 || form["client_secret"].Count > 1)
        {
            return ClientAuthentication.Failed;
        }

        client = Find(clients, postedId, postedSecret);
        return client is null ? ClientAuthentication.Failed : ClientAuthentication.Authenticated;
    }

    private static bool TryBasic<TClient>(HttpContext http, IReadOnlyList<TClient> clients, out TClient? client)
        where TClient : ConfiguredClient
    {
        client = null;
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
        client = Find(clients, presentedId, secret);
        return client is not null;
    }

    private static TClient? Find<TClient>(IReadOnlyList<TClient> clients, string clientId, string secret)
        where TClient : ConfiguredClient
    {
        var client = clients.FirstOrDefault(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
        return client is not null && client.Accepts(secret) ? client : null;
    }
}
