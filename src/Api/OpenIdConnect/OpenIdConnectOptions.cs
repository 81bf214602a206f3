using Identity.Contracts.Sessions;
using Identity.Grains.Hosting.Options;
using OpenIddict.Abstractions;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// The OpenID Provider: its registered clients and scopes and where its keys live. Configuration
/// section <c>OpenIdConnect</c>. Clients and scopes are read on every request, so a configuration
/// reload applies to the next one.
/// </summary>
public sealed class OpenIdConnectOptions
{
    public const string Section = "OpenIdConnect";

    /// <summary>Scopes every provider has: they need no registration.</summary>
    public static readonly IReadOnlySet<string> StandardScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        OpenIddictConstants.Scopes.OpenId,
        OpenIddictConstants.Scopes.Profile,
        OpenIddictConstants.Scopes.Email,
        OpenIddictConstants.Scopes.OfflineAccess,
    };

    /// <summary>
    /// The issuer (<c>iss</c>), e.g. <c>https://id.example.com/</c>. Empty: the URL the request
    /// came in on — fine for one host name; set it when the service is reached under several.
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>The name the hosted pages show (default "Identity Grid").</summary>
    public string ServiceName { get; set; } = "Identity Grid";

    /// <summary>The applications that may use the provider.</summary>
    public List<OpenIdConnectClient> Clients { get; set; } = [];

    /// <summary>API scopes beyond the standard ones (<c>openid profile email offline_access</c>).</summary>
    public List<OpenIdConnectScope> Scopes { get; set; } = [];

    /// <summary>
    /// PEM files (PKCS#8 RSA or EC P-256 private keys) that sign ID tokens, newest first: the first
    /// signs, the others stay published in the JWKS so tokens they signed keep verifying until they
    /// expire (key rotation: add the new key first, remove the old one a token lifetime later).
    /// Empty on a co-hosted node: a key of its own in <see cref="LocalKeyDirectory"/>.
    /// </summary>
    public List<string> SigningKeyFiles { get; set; } = [];

    /// <summary>
    /// Base64 of 32 random bytes: encrypts the provider's own codes (authorization and device
    /// codes) at rest. Every node of a grid needs the same. Empty on a co-hosted node: its own in
    /// <see cref="LocalKeyDirectory"/>.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Where a co-hosted node keeps the keys it made for itself (default <c>.data/oidc</c>).</summary>
    public string LocalKeyDirectory { get; set; } = Path.Combine(".data", "oidc");

    /// <summary>
    /// Where the ASP.NET Core data-protection keys live (they encrypt the hosted pages' sign-in
    /// cookie and antiforgery tokens). Empty: the platform's default for one machine. Several Api
    /// nodes behind one name must share one folder (a shared volume), so each reads what another wrote.
    /// </summary>
    public string? DataProtectionKeysDirectory { get; set; }

    /// <summary>How long an ID token is valid (default 15 minutes).</summary>
    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a JWT access token (a client with <c>AccessTokenFormat: Jwt</c>) is valid: kept short, since an offline check cannot see a revocation (default 5 minutes).</summary>
    public TimeSpan JwtAccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a device's user code may wait to be entered (default 10 minutes).</summary>
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an authorization code may wait for its exchange (default 2 minutes).</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(2);

    public OpenIdConnectClient? FindClient(string clientId) =>
        Clients.Find(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
}

/// <summary>
/// A registered application. With a <see cref="SecretSha256"/> it is confidential (a web
/// server); without, public (a phone app, a single-page app, a TV): public clients must prove
/// possession with PKCE S256 on every authorization.
/// </summary>
public sealed class OpenIdConnectClient
{
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Hex SHA-256 of the client secret (<c>printf %s "$SECRET" | sha256sum</c>); empty for a public client.</summary>
    public string? SecretSha256 { get; set; }

    /// <summary>Shown on the consent page.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Where codes may be sent; matched exactly (scheme, host, port, path and query).</summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Where the end-session endpoint may return the browser; matched exactly.</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>
    /// The grant types it may use: <c>authorization_code</c>, <c>refresh_token</c>,
    /// <c>client_credentials</c>, <c>urn:ietf:params:oauth:grant-type:device_code</c> (TVs, speakers:
    /// RFC 8628, the user enters a code on another device).
    /// </summary>
    public List<string> GrantTypes { get; set; } = [];

    /// <summary>The scopes it may ask for besides <c>openid</c> (<c>offline_access</c> needs the refresh_token grant).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The platform's own application: its users are not asked to consent.</summary>
    public bool FirstParty { get; set; }

    /// <summary>
    /// <c>Reference</c> (default): access tokens are grid session tokens — opaque, checked in memory,
    /// dead the moment the session ends. <c>Jwt</c>: signed JWT access tokens (RFC 9068 style) for
    /// resource servers that validate offline; they live <see cref="OpenIdConnectOptions.JwtAccessTokenLifetime"/>
    /// and an offline check cannot see a revocation before that. The session behind them is still
    /// the grid's: refresh, user info and revocation work as for reference tokens.
    /// </summary>
    public AccessTokenFormat AccessTokenFormat { get; set; } = AccessTokenFormat.Reference;

    public bool IsConfidential => !string.IsNullOrEmpty(SecretSha256);
}

/// <summary>What a client's access tokens look like (<see cref="OpenIdConnectClient.AccessTokenFormat"/>).</summary>
public enum AccessTokenFormat
{
    Reference = 0,
    Jwt = 1,
}

/// <summary>An API scope and the resource servers (audiences) tokens carrying it are meant for.</summary>
public sealed class OpenIdConnectScope
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Shown on the consent page.</summary>
    public string? DisplayName { get; set; }

    public List<string> Resources { get; set; } = [];
}

internal sealed class OpenIdConnectOptionsValidator() : OptionsValidator<OpenIdConnectOptions>(OpenIdConnectOptions.Section)
{
    private static readonly HashSet<string> KnownGrants = new(StringComparer.Ordinal)
    {
        OpenIddictConstants.GrantTypes.AuthorizationCode,
        OpenIddictConstants.GrantTypes.RefreshToken,
        OpenIddictConstants.GrantTypes.ClientCredentials,
        OpenIddictConstants.GrantTypes.DeviceCode,
    };

    protected override void Check(OpenIdConnectOptions options, Failures failures)
    {
        var scopes = new HashSet<string>(OpenIdConnectOptions.StandardScopes, StringComparer.Ordinal);
        for (var i = 0; i < options.Scopes.Count; i++)
        {
            var scope = options.Scopes[i];
            var at = $"{nameof(options.Scopes)}:{i}";
            failures.Unless(TokenGrant.IsScopeToken(scope.Name), $"{at}:Name", "must be a scope token (printable ASCII without spaces, quotes or backslashes).");
            failures.Unless(!TokenGrant.IsScopeToken(scope.Name) || scopes.Add(scope.Name), $"{at}:Name", $"'{scope.Name}' is defined twice (or is a standard scope).");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var at = $"{nameof(options.Clients)}:{i}";
            failures.Unless(client.ClientId.Length == 0 || ids.Add(client.ClientId), $"{at}:ClientId", $"'{client.ClientId}' is configured twice.");
            CheckClient(client, scopes, at, failures.Unless);
        }

        failures.Unless(
            options.EncryptionKey is null || (IsBase64(options.EncryptionKey, out var length) && length == 32),
            nameof(options.EncryptionKey),
            "must be base64 of exactly 32 random bytes.");
        foreach (var file in options.SigningKeyFiles)
        {
            failures.Unless(File.Exists(file), nameof(options.SigningKeyFiles), $"'{file}' does not exist.");
        }

        failures.Unless(options.IdentityTokenLifetime > TimeSpan.Zero && options.IdentityTokenLifetime <= TimeSpan.FromHours(1), nameof(options.IdentityTokenLifetime), "must be between 00:00:01 and 01:00:00.");
        failures.Unless(options.JwtAccessTokenLifetime >= TimeSpan.FromSeconds(30) && options.JwtAccessTokenLifetime <= TimeSpan.FromHours(1), nameof(options.JwtAccessTokenLifetime), "must be between 00:00:30 and 01:00:00.");
        failures.Unless(options.DeviceCodeLifetime >= TimeSpan.FromMinutes(1) && options.DeviceCodeLifetime <= TimeSpan.FromMinutes(30), nameof(options.DeviceCodeLifetime), "must be between 00:01:00 and 00:30:00.");
        failures.Unless(options.AuthorizationCodeLifetime > TimeSpan.Zero && options.AuthorizationCodeLifetime <= TimeSpan.FromMinutes(10), nameof(options.AuthorizationCodeLifetime), "must be between 00:00:01 and 00:10:00.");
    }

    /// <summary>The rules every client obeys, configured or registered through the admin API; <paramref name="at"/> prefixes each failing key.</summary>
    internal static void CheckClient(OpenIdConnectClient client, IReadOnlySet<string> scopes, string at, Action<bool, string, string> unless)
    {
        unless(TokenGrant.IsScopeToken(client.ClientId) && !client.ClientId.Contains(':', StringComparison.Ordinal) && client.ClientId.Length <= 100, $"{at}:ClientId", "is required: 1 to 100 printable ASCII characters without spaces, quotes, backslashes or ':'.");
        unless(
            string.IsNullOrEmpty(client.SecretSha256) || (client.SecretSha256.Length == 64 && client.SecretSha256.All(char.IsAsciiHexDigit)),
            $"{at}:SecretSha256",
            "must be empty (a public client) or the 64-character hex SHA-256 of the client secret.");
        unless(client.GrantTypes.Count > 0, $"{at}:GrantTypes", $"names no grant: give {string.Join(", ", KnownGrants)}.");
        foreach (var grant in client.GrantTypes)
        {
            unless(KnownGrants.Contains(grant), $"{at}:GrantTypes", $"'{grant}' is not one of {string.Join(", ", KnownGrants)}.");
        }

        unless(
            !client.GrantTypes.Contains(OpenIddictConstants.GrantTypes.ClientCredentials) || client.IsConfidential,
            $"{at}:GrantTypes",
            "client_credentials needs a confidential client (a SecretSha256).");
        unless(
            !client.GrantTypes.Contains(OpenIddictConstants.GrantTypes.AuthorizationCode) || client.RedirectUris.Count > 0,
            $"{at}:RedirectUris",
            "is required for the authorization_code grant.");
        foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris))
        {
            unless(
                Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && string.IsNullOrEmpty(parsed.Fragment) && uri.Length <= 2000,
                $"{at}:RedirectUris",
                $"'{uri}' must be an absolute URI without a fragment.");
        }

        unless(Enum.IsDefined(client.AccessTokenFormat), $"{at}:AccessTokenFormat", "must be Reference or Jwt.");
        foreach (var scope in client.Scopes)
        {
            unless(scopes.Contains(scope), $"{at}:Scopes", $"'{scope}' is neither a standard scope nor one of OpenIdConnect:Scopes.");
        }
    }

    private static bool IsBase64(string text, out int length)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        var ok = Convert.TryFromBase64String(text, buffer, out length);
        return ok;
    }
}
