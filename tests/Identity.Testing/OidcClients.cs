using System.Security.Cryptography;
using System.Text;

namespace Identity.Testing;

/// <summary>The OpenID Connect clients the tests register, as settings, and PKCE helpers.</summary>
internal static class OidcClients
{
    public const string WebAppId = "web-app";
    public const string WebSecret = "web-app-secret-0123456789abcdef";
    public const string WebRedirect = "https://app.example.test/signin-oidc";
    public const string WebPostLogout = "https://app.example.test/signed-out";
    public const string PhoneAppId = "phone-app";
    public const string NativeRedirect = "com.example.phone:/callback";
    public const string PartnerAppId = "partner-app";
    public const string PartnerSecret = "partner-app-secret-0123456789abcdef";
    public const string PartnerRedirect = "https://partner.example.test/callback";
    public const string OfflineAppId = "offline-app";
    public const string OfflineSecret = "offline-app-secret-0123456789abcdef";
    public const string OfflineRedirect = "https://offline.example.test/cb";
    public const string TvAppId = "tv-app";
    public const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
    public const string ServiceId = "billing-service";
    public const string ServiceSecret = "billing-service-secret-0123456789";
    public const string ServiceScope = "invoices:read";
    public const string ServiceResource = "billing-api";

    public static string Sha256Hex(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>A first-party confidential web app, a first-party public phone app and a third-party partner (asked for consent).</summary>
    public static Dictionary<string, string?> Settings(string? webRedirect = null, string? webPostLogout = null) => new()
    {
        ["OpenIdConnect:Clients:0:ClientId"] = WebAppId,
        ["OpenIdConnect:Clients:0:SecretSha256"] = Sha256Hex(WebSecret),
        ["OpenIdConnect:Clients:0:DisplayName"] = "Example web app",
        ["OpenIdConnect:Clients:0:RedirectUris:0"] = webRedirect ?? WebRedirect,
        ["OpenIdConnect:Clients:0:PostLogoutRedirectUris:0"] = webPostLogout ?? WebPostLogout,
        ["OpenIdConnect:Clients:0:GrantTypes:0"] = "authorization_code",
        ["OpenIdConnect:Clients:0:GrantTypes:1"] = "refresh_token",
        ["OpenIdConnect:Clients:0:Scopes:0"] = "profile",
        ["OpenIdConnect:Clients:0:Scopes:1"] = "email",
        ["OpenIdConnect:Clients:0:Scopes:2"] = "offline_access",
        ["OpenIdConnect:Clients:0:FirstParty"] = "true",
        ["OpenIdConnect:Clients:1:ClientId"] = PhoneAppId,
        ["OpenIdConnect:Clients:1:RedirectUris:0"] = NativeRedirect,
        ["OpenIdConnect:Clients:1:GrantTypes:0"] = "authorization_code",
        ["OpenIdConnect:Clients:1:GrantTypes:1"] = "refresh_token",
        ["OpenIdConnect:Clients:1:Scopes:0"] = "profile",
        ["OpenIdConnect:Clients:1:Scopes:1"] = "offline_access",
        ["OpenIdConnect:Clients:1:FirstParty"] = "true",
        ["OpenIdConnect:Clients:2:ClientId"] = PartnerAppId,
        ["OpenIdConnect:Clients:2:SecretSha256"] = Sha256Hex(PartnerSecret),
        ["OpenIdConnect:Clients:2:DisplayName"] = "Partner Photos",
        ["OpenIdConnect:Clients:2:RedirectUris:0"] = PartnerRedirect,
        ["OpenIdConnect:Clients:2:GrantTypes:0"] = "authorization_code",
        ["OpenIdConnect:Clients:2:Scopes:0"] = "profile",
        ["OpenIdConnect:Clients:3:ClientId"] = ServiceId,
        ["OpenIdConnect:Clients:3:SecretSha256"] = Sha256Hex(ServiceSecret),
        ["OpenIdConnect:Clients:3:GrantTypes:0"] = "client_credentials",
        ["OpenIdConnect:Clients:3:Scopes:0"] = ServiceScope,
        ["OpenIdConnect:Clients:4:ClientId"] = TvAppId,
        ["OpenIdConnect:Clients:4:DisplayName"] = "Living-room TV",
        ["OpenIdConnect:Clients:4:GrantTypes:0"] = DeviceGrant,
        ["OpenIdConnect:Clients:4:GrantTypes:1"] = "refresh_token",
        ["OpenIdConnect:Clients:4:Scopes:0"] = "profile",
        ["OpenIdConnect:Clients:4:Scopes:1"] = "offline_access",
        ["OpenIdConnect:Clients:4:FirstParty"] = "true",
        ["OpenIdConnect:Clients:5:ClientId"] = OfflineAppId,
        ["OpenIdConnect:Clients:5:SecretSha256"] = Sha256Hex(OfflineSecret),
        ["OpenIdConnect:Clients:5:RedirectUris:0"] = OfflineRedirect,
        ["OpenIdConnect:Clients:5:GrantTypes:0"] = "authorization_code",
        ["OpenIdConnect:Clients:5:GrantTypes:1"] = "refresh_token",
        ["OpenIdConnect:Clients:5:Scopes:0"] = ServiceScope,
        ["OpenIdConnect:Clients:5:Scopes:1"] = "offline_access",
        ["OpenIdConnect:Clients:5:FirstParty"] = "true",
        ["OpenIdConnect:Clients:5:AccessTokenFormat"] = "Jwt",
        ["OpenIdConnect:Scopes:0:Name"] = ServiceScope,
        ["OpenIdConnect:Scopes:0:DisplayName"] = "Read your invoices",
        ["OpenIdConnect:Scopes:0:Resources:0"] = ServiceResource,
    };

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
