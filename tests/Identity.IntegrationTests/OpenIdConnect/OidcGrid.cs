using System.Globalization;
using Identity.Testing;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// One grid Api process for the OpenID Connect tests with their clients registered: a confidential
/// web app (an ASP.NET Core app with the OpenID Connect handler), a native app (Duende OidcClient,
/// loopback redirect), a TV (device grant), a third-party app (consent), a service (client
/// credentials) and a Node.js app (openid-client). Each client's loopback port is chosen first, so
/// its redirect URI can be registered before the grid starts.
/// </summary>
internal static class OidcGrid
{
    public const string WebAppId = "web-rp";
    public const string WebAppSecret = "web-rp-secret-0123456789abcdef";
    public const string PhoneAppId = "phone-app";
    public const string TvAppId = "tv-app";
    public const string PartnerId = "partner-app";
    public const string PartnerSecret = "partner-secret-0123456789abcdef";
    public const string ServiceId = "billing-service";
    public const string ServiceSecret = "billing-service-secret-0123456789";
    public const string NodeAppId = "node-app";
    public const string NodeAppSecret = "node-app-secret-0123456789abcdef";
    public const string IntrospectorId = "resource-server";
    public const string IntrospectorSecret = "resource-server-secret-0123456789";

    public static readonly int WebAppPort = Ports.Free();
    public static readonly int PhoneAppPort = Ports.Free();
    public static readonly int PartnerPort = Ports.Free();
    public static readonly int NodeAppPort = Ports.Free();

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static GridProcess? s_grid;

    public static string WebApp => $"http://127.0.0.1:{WebAppPort}";

    public static string PhoneRedirect => $"http://127.0.0.1:{PhoneAppPort}/callback";

    public static string PartnerRedirect => $"http://127.0.0.1:{PartnerPort}/callback";

    public static string NodeRedirect => $"http://127.0.0.1:{NodeAppPort}/cb";

    public static async Task<GridProcess> StartAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return s_grid ??= await GridProcess.StartApiAsync(Environment());
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopAsync()
    {
        if (s_grid is not null)
        {
            await s_grid.DisposeAsync();
        }

        Mail.Dispose();
    }

    /// <summary>The grid's mail (folder mode): verification links and codes, notices.</summary>
    public static TestMailFolder Mail { get; } = new();

    /// <summary>A new account whose address is proven with the mailed code, as its owner would; returns the username.</summary>
    public static async Task<string> NewUserWithProvenEmailAsync(HttpClient grid)
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(System.Net.HttpStatusCode.Created, (await grid.RegisterAsync(username, email: email)).StatusCode);
        var tokens = await grid.LoginTokensAsync(username);
        var code = TestMailFolder.Code(await Mail.WaitForAsync(email, "Confirm your email address"));
        Assert.AreEqual(System.Net.HttpStatusCode.OK, (await grid.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code })).StatusCode);
        return username;
    }

    private static Dictionary<string, string> Environment()
    {
        var settings = new Dictionary<string, string>
        {
            ["Storage__Mode"] = "Memory",
            ["OpenIdConnect__ServiceName"] = "Example Identity",
            ["Email__Mode"] = "Folder",
            ["Email__Folder"] = Mail.Path,
        };
        var clients = new (string Id, string? Secret, string Name, string[] Grants, string[] Scopes, string[] Redirects, string[] PostLogout, bool FirstParty)[]
        {
            (WebAppId, WebAppSecret, "Example web app", ["authorization_code", "refresh_token"], ["profile", "email", "offline_access"], [$"{WebApp}/signin-oidc"], [$"{WebApp}/signout-callback-oidc"], true),
            (PhoneAppId, null, "Example phone app", ["authorization_code", "refresh_token"], ["profile", "offline_access"], [PhoneRedirect], [], true),
            (TvAppId, null, "Living-room TV", ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"], ["profile", "offline_access"], [], [], true),
            (PartnerId, PartnerSecret, "Partner Photos", ["authorization_code"], ["profile", "email", "photos:read"], [PartnerRedirect], [], false),
            (ServiceId, ServiceSecret, "Billing", ["client_credentials"], ["invoices:read"], [], [], false),
            (NodeAppId, NodeAppSecret, "Node app", ["authorization_code", "refresh_token"], ["profile", "offline_access"], [NodeRedirect], [], true),
        };
        for (var i = 0; i < clients.Length; i++)
        {
            var (id, secret, name, grants, scopes, redirects, postLogout, firstParty) = clients[i];
            var at = $"OpenIdConnect__Clients__{i}__";
            settings[at + "ClientId"] = id;
            settings[at + "DisplayName"] = name;
            settings[at + "FirstParty"] = firstParty ? "true" : "false";
            if (secret is not null)
            {
                settings[at + "SecretSha256"] = OidcClients.Sha256Hex(secret);
            }

            Each(at + "GrantTypes", grants);
            Each(at + "Scopes", scopes);
            Each(at + "RedirectUris", redirects);
            Each(at + "PostLogoutRedirectUris", postLogout);
        }

        settings["OpenIdConnect__Scopes__0__Name"] = "invoices:read";
        settings["OpenIdConnect__Scopes__0__DisplayName"] = "Read your invoices";
        settings["OpenIdConnect__Scopes__0__Resources__0"] = "billing-api";
        settings["OpenIdConnect__Scopes__1__Name"] = "photos:read";
        settings["OpenIdConnect__Scopes__1__DisplayName"] = "See your photos";
        settings["Introspection__Clients__0__ClientId"] = IntrospectorId;
        settings["Introspection__Clients__0__SecretSha256"] = OidcClients.Sha256Hex(IntrospectorSecret);
        return settings;

        void Each(string key, string[] values)
        {
            for (var j = 0; j < values.Length; j++)
            {
                settings[$"{key}__{j.ToString(CultureInfo.InvariantCulture)}"] = values[j];
            }
        }
    }
}
