using System.Net;
using Identity.Testing;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>Services: the client-credentials grant gives a grid session of the service's own, introspected and revoked like any other.</summary>
[TestClass]
public sealed class ClientCredentialsTests
{
    private const string Introspector = "orders:orders-secret-0123456789";
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(Settings().With(ClientSettings.Introspection(("orders", "orders-secret-0123456789"))));
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    private static Task<TokenAnswer> RequestAsync(string clientId, string secret, string? scope = ServiceScope) =>
        OidcFlow.TokenAsync(s_server, [new("grant_type", "client_credentials"), .. scope is null ? Array.Empty<KeyValuePair<string, string>>() : [new("scope", scope)]], (clientId, secret));

    private static async Task<System.Text.Json.JsonElement> IntrospectAsync(string token) =>
        await OidcFlow.JsonAsync(await s_server.IntrospectAsync(new FormUrlEncodedContent([new("token", token)]), Introspector));

    [TestMethod]
    public async Task A_service_gets_an_access_token_that_introspects_as_the_service()
    {
        var tokens = await RequestAsync(ServiceId, ServiceSecret);

        Assert.AreEqual(HttpStatusCode.OK, tokens.Status, tokens.Error);
        Assert.StartsWith("iga_", tokens.AccessToken!);
        Assert.IsNull(tokens.RefreshToken, "client credentials: no refresh token");
        Assert.IsNull(tokens.IdToken);
        var answer = await IntrospectAsync(tokens.AccessToken!);
        Assert.IsTrue(answer.GetProperty("active").GetBoolean());
        Assert.AreEqual(ServiceId, answer.GetProperty("sub").GetString());
        Assert.AreEqual(ServiceId, answer.GetProperty("client_id").GetString());
        Assert.AreEqual(ServiceScope, answer.GetProperty("scope").GetString());
        Assert.AreEqual(ServiceResource, answer.GetProperty("aud").GetString(), "the scope's resource is the audience");
    }

    [TestMethod]
    public async Task A_wrong_secret_an_unpermitted_grant_and_an_unpermitted_scope_are_refused()
    {
        var wrongSecret = await RequestAsync(ServiceId, "not-the-secret");
        var webApp = await RequestAsync(WebAppId, WebSecret, scope: null);
        var otherScope = await RequestAsync(ServiceId, ServiceSecret, scope: "profile");

        Assert.AreEqual("invalid_client", wrongSecret.Error);
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrongSecret.Status);
        Assert.AreEqual("unauthorized_client", webApp.Error);
        Assert.AreEqual("invalid_request", otherScope.Error, "OpenIddict answers a scope the client may not use with invalid_request (ID2051)");
    }

    [TestMethod]
    public async Task Revoking_a_services_token_makes_it_inactive_at_once()
    {
        var tokens = await RequestAsync(ServiceId, ServiceSecret);
        var other = await RequestAsync(ServiceId, ServiceSecret);

        var revoke = await s_server.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent([new("token", tokens.AccessToken!), new("client_id", ServiceId), new("client_secret", ServiceSecret)]),
        });

        Assert.AreEqual(HttpStatusCode.OK, revoke.StatusCode);
        Assert.IsFalse((await IntrospectAsync(tokens.AccessToken!)).GetProperty("active").GetBoolean());
        Assert.IsTrue((await IntrospectAsync(other.AccessToken!)).GetProperty("active").GetBoolean(), "each token is its own session");
    }

    [TestMethod]
    public async Task Another_client_cannot_revoke_a_services_token()
    {
        var tokens = await RequestAsync(ServiceId, ServiceSecret);

        var revoke = await s_server.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent([new("token", tokens.AccessToken!), new("client_id", WebAppId), new("client_secret", WebSecret)]),
        });

        Assert.AreNotEqual(HttpStatusCode.InternalServerError, revoke.StatusCode);
        Assert.IsTrue((await IntrospectAsync(tokens.AccessToken!)).GetProperty("active").GetBoolean());
    }
}
