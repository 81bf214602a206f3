using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>Operators register and remove OpenID Connect clients through <c>/admin/v1/clients</c>, beside those of configuration.</summary>
[TestClass]
public sealed class ClientRegistrationTests
{
    private const string Operator = "ops";
    private const string OperatorSecret = "ops-secret-0123456789abcdef";
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(Settings()
            .With(ClientSettings.Operators((Operator, OperatorSecret)))
            .With(ClientSettings.Introspection(("orders", "orders-secret-0123456789"))));
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    private static Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, object? body = null, string secret = OperatorSecret)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Operator}:{secret}")));
        return s_server.SendAsync(request);
    }

    private static Task<TokenAnswer> ClientCredentialsAsync(string clientId, string secret) =>
        OidcFlow.TokenAsync(s_server, [new("grant_type", "client_credentials"), new("scope", ServiceScope)], (clientId, secret));

    [TestMethod]
    public async Task A_registered_service_gets_tokens_with_the_secret_shown_once_and_removing_it_ends_them()
    {
        var clientId = $"reports-{Guid.NewGuid():N}"[..20];
        var created = await AdminAsync(HttpMethod.Post, "/admin/v1/clients", new
        {
            clientId,
            displayName = "Reports",
            confidential = true,
            grantTypes = new[] { "client_credentials" },
            scopes = new[] { ServiceScope },
        });
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        var answer = await OidcFlow.JsonAsync(created);
        var secret = answer.GetProperty("clientSecret").GetString()!;
        Assert.AreEqual("admin", answer.GetProperty("client").GetProperty("source").GetString());

        var token = await ClientCredentialsAsync(clientId, secret);
        Assert.AreEqual(HttpStatusCode.OK, token.Status, token.Error);
        var list = await (await AdminAsync(HttpMethod.Get, "/admin/v1/clients")).Content.ReadAsStringAsync();
        StringAssert.Contains(list, clientId);
        StringAssert.Contains(list, $"\"clientId\":\"{WebAppId}\"");
        Assert.DoesNotContain(secret, list);
        Assert.DoesNotContain("secretSha256", list, "never a secret, not even its digest");

        Assert.AreEqual(HttpStatusCode.NoContent, (await AdminAsync(HttpMethod.Delete, $"/admin/v1/clients/{clientId}")).StatusCode);

        Assert.AreEqual("invalid_client", (await ClientCredentialsAsync(clientId, secret)).Error);
        var introspection = await s_server.IntrospectAsync(new FormUrlEncodedContent([new("token", token.AccessToken!)]), "orders:orders-secret-0123456789");
        StringAssert.Contains(await introspection.Content.ReadAsStringAsync(), "\"active\":false", "its sessions ended with it");
        var operatorEvents = s_host.Audit.Events.Where(e => e.EventName == "LogOperatorClientAction").Select(e => e.Message).ToList();
        Assert.IsTrue(operatorEvents.Any(m => m.Contains("register-client", StringComparison.Ordinal) && m.Contains(clientId, StringComparison.Ordinal)));
        Assert.IsTrue(operatorEvents.Any(m => m.Contains("remove-client", StringComparison.Ordinal) && m.Contains(clientId, StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_registered_public_app_signs_users_in_with_the_code_flow()
    {
        var clientId = $"kiosk-{Guid.NewGuid():N}"[..20];
        const string redirect = "https://kiosk.example.test/cb";
        var created = await AdminAsync(HttpMethod.Post, "/admin/v1/clients", new
        {
            clientId,
            redirectUris = new[] { redirect },
            grantTypes = new[] { "authorization_code" },
            scopes = new[] { "profile" },
            firstParty = true,
        });
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        Assert.AreEqual(JsonValueKind.Null, (await OidcFlow.JsonAsync(created)).GetProperty("clientSecret").ValueKind, "a public client has no secret");

        var (browser, _, tokens) = await OidcFlow.SignInAsync(s_server, clientId, redirect, secret: null, "openid profile");

        StringAssert.StartsWith(tokens.AccessToken, "iga_");
    }

    [TestMethod]
    public async Task A_client_that_breaks_the_rules_is_refused_naming_each_field()
    {
        var response = await AdminAsync(HttpMethod.Post, "/admin/v1/clients", new
        {
            clientId = "bad client",
            grantTypes = new[] { "password", "authorization_code", "client_credentials" },
            scopes = new[] { "admin:everything" },
            redirectUris = new[] { "https://app.example.test/cb#fragment" },
            accessTokenFormat = "Opaque",
        });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        CollectionAssert.IsSubsetOf(new[] { "clientId", "grantTypes", "scopes", "redirectUris", "accessTokenFormat" }, (await response.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task Ids_are_unique_configured_clients_stay_and_only_operators_may_register()
    {
        var taken = await AdminAsync(HttpMethod.Post, "/admin/v1/clients", new { clientId = WebAppId, grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "https://x.example.test/cb" } });
        var configured = await AdminAsync(HttpMethod.Delete, $"/admin/v1/clients/{WebAppId}");
        var unknown = await AdminAsync(HttpMethod.Delete, "/admin/v1/clients/nobody");
        var stranger = await AdminAsync(HttpMethod.Get, "/admin/v1/clients", secret: "wrong");

        Assert.AreEqual(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, configured.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, stranger.StatusCode);
    }

    [TestMethod]
    public async Task A_registered_scope_can_be_given_to_a_registered_service_and_names_its_audience()
    {
        var scope = $"reports:{Guid.NewGuid():N}"[..20];
        var registered = await AdminAsync(HttpMethod.Post, "/admin/v1/scopes", new { name = scope, displayName = "Read reports", resources = new[] { "reports-api" } });
        Assert.AreEqual(HttpStatusCode.Created, registered.StatusCode, await registered.Content.ReadAsStringAsync());
        var clientId = $"reporter-{Guid.NewGuid():N}"[..20];
        var created = await OidcFlow.JsonAsync(await AdminAsync(HttpMethod.Post, "/admin/v1/clients", new
        {
            clientId,
            confidential = true,
            grantTypes = new[] { "client_credentials" },
            scopes = new[] { scope },
        }));

        var token = await OidcFlow.TokenAsync(s_server, [new("grant_type", "client_credentials"), new("scope", scope)], (clientId, created.GetProperty("clientSecret").GetString()!));
        Assert.AreEqual(HttpStatusCode.OK, token.Status, token.Error);
        var introspection = await OidcFlow.JsonAsync(await s_server.IntrospectAsync(new FormUrlEncodedContent([new("token", token.AccessToken!)]), "orders:orders-secret-0123456789"));
        Assert.AreEqual("reports-api", introspection.GetProperty("aud").GetString());
        StringAssert.Contains(await s_server.GetStringAsync("/.well-known/openid-configuration"), scope, "discovery lists it");
        StringAssert.Contains(await (await AdminAsync(HttpMethod.Get, "/admin/v1/scopes")).Content.ReadAsStringAsync(), scope);

        Assert.AreEqual(HttpStatusCode.NoContent, (await AdminAsync(HttpMethod.Delete, $"/admin/v1/scopes/{Uri.EscapeDataString(scope)}")).StatusCode);
        var refused = await OidcFlow.TokenAsync(s_server, [new("grant_type", "client_credentials"), new("scope", scope)], (clientId, created.GetProperty("clientSecret").GetString()!));
        Assert.AreEqual("invalid_scope", refused.Error, "a removed scope is unknown at once");
    }

    [TestMethod]
    public async Task Scope_names_are_unique_standard_and_configured_ones_stay_and_bad_ones_are_refused()
    {
        var standard = await AdminAsync(HttpMethod.Post, "/admin/v1/scopes", new { name = "profile" });
        var configured = await AdminAsync(HttpMethod.Post, "/admin/v1/scopes", new { name = ServiceScope });
        var invalid = await AdminAsync(HttpMethod.Post, "/admin/v1/scopes", new { name = "read everything", resources = new[] { "a b" } });
        var removeConfigured = await AdminAsync(HttpMethod.Delete, $"/admin/v1/scopes/{Uri.EscapeDataString(ServiceScope)}");
        var removeUnknown = await AdminAsync(HttpMethod.Delete, "/admin/v1/scopes/nothing");

        Assert.AreEqual(HttpStatusCode.Conflict, standard.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, configured.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, invalid.StatusCode);
        CollectionAssert.AreEquivalent(new[] { "name", "resources" }, (await invalid.ErrorFieldsAsync()).ToArray());
        Assert.AreEqual(HttpStatusCode.Conflict, removeConfigured.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, removeUnknown.StatusCode);
    }
}
