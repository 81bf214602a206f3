using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Identity.Api.OpenIdConnect;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Server;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>The discovery document against OpenID Connect Discovery 1.0, the JWKS, and signing keys: configured, rotated, or made once and kept.</summary>
[TestClass]
public sealed class DiscoveryTests
{
    private static readonly string KeyDirectory = Path.Combine(Path.GetTempPath(), $"identity-oidc-keys-{Guid.NewGuid():N}");
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;
    private static string s_newKeyId = null!;
    private static string s_oldKeyId = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        Directory.CreateDirectory(KeyDirectory);
        // Rotation: the new key (EC P-256, ES256) signs; the old one (RSA) stays published.
        var newKey = Path.Combine(KeyDirectory, "new.pem");
        var oldKey = Path.Combine(KeyDirectory, "old.pem");
        File.WriteAllText(newKey, ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
        File.WriteAllText(oldKey, RSA.Create(2048).ExportPkcs8PrivateKeyPem());
        s_newKeyId = ProviderKeys.Read(newKey).KeyId;
        s_oldKeyId = ProviderKeys.Read(oldKey).KeyId;
        s_host = new ApiHost(Settings().With(new Dictionary<string, string?>
        {
            ["OpenIdConnect:SigningKeyFiles:0"] = newKey,
            ["OpenIdConnect:SigningKeyFiles:1"] = oldKey,
            ["OpenIdConnect:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }));
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_host.DisposeAsync();
        Directory.Delete(KeyDirectory, recursive: true);
    }

    [TestMethod]
    public async Task The_discovery_document_has_every_field_openid_connect_discovery_requires_and_recommends()
    {
        var document = await s_server.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var issuer = s_server.BaseAddress!.ToString();

        Assert.AreEqual(issuer, document.GetProperty("issuer").GetString(), "the issuer is the URL the document was fetched under");
        foreach (var endpoint in new[] { "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint", "revocation_endpoint", "device_authorization_endpoint", "introspection_endpoint" })
        {
            StringAssert.StartsWith(document.GetProperty(endpoint).GetString(), issuer, endpoint);
        }

        CollectionAssert.AreEquivalent(new[] { "code" }, Strings(document, "response_types_supported"));
        CollectionAssert.Contains(Strings(document, "subject_types_supported"), "public");
        CollectionAssert.IsSubsetOf(new[] { "ES256", "RS256" }, Strings(document, "id_token_signing_alg_values_supported"));
        CollectionAssert.IsSubsetOf(new[] { "openid", "profile", "email", "offline_access", ServiceScope }, Strings(document, "scopes_supported"));
        CollectionAssert.IsSubsetOf(new[] { "sub", "preferred_username", "email" }, Strings(document, "claims_supported"));
        CollectionAssert.AreEquivalent(new[] { "S256" }, Strings(document, "code_challenge_methods_supported"), "no plain");
        CollectionAssert.AreEquivalent(new[] { "consent", "login", "none" }, Strings(document, "prompt_values_supported"), "what the pages honour");
        CollectionAssert.IsSubsetOf(
            new[] { "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code" },
            Strings(document, "grant_types_supported"));
        CollectionAssert.AreEquivalent(new[] { "client_secret_basic", "client_secret_post" }, Strings(document, "token_endpoint_auth_methods_supported"), "no client registers a key set");
        StringAssert.EndsWith(document.GetProperty("introspection_endpoint").GetString(), "/v1/introspect");
        CollectionAssert.AreEquivalent(new[] { "client_secret_basic", "client_secret_post" }, Strings(document, "introspection_endpoint_auth_methods_supported"));
    }

    [TestMethod]
    public async Task The_jwks_publishes_the_signing_key_and_the_previous_one_and_the_newest_signs()
    {
        var jwks = await s_server.GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();

        CollectionAssert.AreEquivalent(new[] { s_newKeyId, s_oldKeyId }, keys.Select(k => k.GetProperty("kid").GetString()).ToArray());
        Assert.IsTrue(keys.All(k => k.GetProperty("use").GetString() == "sig"));
        Assert.IsFalse(keys.Any(k => k.TryGetProperty("d", out _)), "no private part");

        var (browser, _, tokens) = await OidcFlow.SignInAsync(s_server, WebAppId, WebRedirect, WebSecret);
        var header = new JsonWebToken(tokens.IdToken);
        Assert.AreEqual(s_newKeyId, header.Kid);
        Assert.AreEqual("ES256", header.Alg);
    }

    [TestMethod]
    public void A_co_hosted_node_makes_its_keys_once_and_keeps_them()
    {
        var directory = Path.Combine(KeyDirectory, "local");
        var options = new OpenIdConnectOptions { LocalKeyDirectory = directory };

        var first = SigningKeyIds(options);
        var second = SigningKeyIds(options);

        CollectionAssert.AreEqual(first, second, "the same key after a restart");
        Assert.IsTrue(File.Exists(Path.Combine(directory, ProviderKeys.LocalSigningKeyFile)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, ProviderKeys.LocalEncryptionKeyFile)));
        }
    }

    [TestMethod]
    public void An_api_node_of_a_grid_without_configured_keys_refuses_to_start()
    {
        var services = new ServiceCollection();
        var failure = Assert.Throws<Identity.Grains.Hosting.NodeStartupException>(() =>
            services.AddOpenIddict().AddServer(server => server.AddProviderKeys(
                new OpenIdConnectOptions { Clients = [new OpenIdConnectClient { ClientId = "web" }] }, mayMakeOwn: false, ephemeral: false)));

        StringAssert.Contains(failure.Message, "OpenIdConnect:SigningKeyFiles");
    }

    /// <summary>The signing keys the provider would be configured with (the configuration alone: no validation of the rest).</summary>
    private static string[] SigningKeyIds(OpenIdConnectOptions options)
    {
        var services = new ServiceCollection();
        services.AddOpenIddict().AddServer(server => server.AddProviderKeys(options, mayMakeOwn: true, ephemeral: false));
        using var provider = services.BuildServiceProvider();
        var configured = new OpenIddictServerOptions();
        foreach (var configure in provider.GetServices<IConfigureOptions<OpenIddictServerOptions>>())
        {
            configure.Configure(configured);
        }

        return [.. configured.SigningCredentials.Select(c => c.Key.KeyId)];
    }

    private static string[] Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}
