using System.Net;
using System.Text.Json;
using Identity.Testing;
using static Identity.Testing.OidcClients;

namespace Identity.Tests.OpenIdConnect;

/// <summary>RFC 8628: a TV asks for a code, the user enters it on the hosted page, the TV's polling turns into grid session tokens.</summary>
[TestClass]
public sealed class DeviceFlowTests
{
    private static ApiHost s_host = null!;
    private static HttpClient s_server = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(Settings());
        s_server = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    private static async Task<JsonElement> StartAsync()
    {
        var response = await s_server.PostAsync("/connect/device", new FormUrlEncodedContent([new("client_id", TvAppId), new("scope", "openid profile offline_access")]));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await OidcFlow.JsonAsync(response);
    }

    private static Task<TokenAnswer> PollAsync(string deviceCode) =>
        OidcFlow.TokenAsync(s_server, [new("grant_type", DeviceGrant), new("device_code", deviceCode), new("client_id", TvAppId)]);

    private static async Task<HttpResponseMessage> EnterCodeAsync(FormBrowser browser, string username, string userCode)
    {
        var entry = await OidcFlow.AuthorizeAsync(browser, "/connect/verify", username);
        Assert.AreEqual(HttpStatusCode.OK, entry.StatusCode);
        return await browser.SubmitAsync(entry, ("user_code", userCode));
    }

    [TestMethod]
    public async Task A_tv_signs_in_once_the_user_enters_its_code_and_allows_it()
    {
        var device = await StartAsync();
        var username = await OidcFlow.NewUserAsync(s_server);
        StringAssert.EndsWith(device.GetProperty("verification_uri").GetString()!, "/connect/verify");
        Assert.AreEqual("authorization_pending", (await PollAsync(device.GetProperty("device_code").GetString()!)).Error);

        var browser = new FormBrowser(s_server);
        var confirm = await EnterCodeAsync(browser, username, device.GetProperty("user_code").GetString()!);
        Assert.AreEqual(HttpStatusCode.OK, confirm.StatusCode);
        StringAssert.Contains(await confirm.Content.ReadAsStringAsync(), "Living-room TV");
        var done = await browser.FollowAsync(await browser.SubmitAsync(confirm, ("decision", "allow")));
        StringAssert.Contains(await done.Content.ReadAsStringAsync(), "Device connected");

        var tokens = await PollAsync(device.GetProperty("device_code").GetString()!);
        Assert.AreEqual(HttpStatusCode.OK, tokens.Status, tokens.Error);
        Assert.StartsWith("iga_", tokens.AccessToken!);
        Assert.IsNotNull(tokens.RefreshToken);
        Assert.IsNotNull(tokens.IdToken);
        var info = await OidcFlow.JsonAsync(await OidcFlow.UserInfoAsync(s_server, tokens.AccessToken!));
        Assert.AreEqual(username, info.GetProperty("preferred_username").GetString());
        Assert.AreEqual("invalid_grant", (await PollAsync(device.GetProperty("device_code").GetString()!)).Error, "a device code is redeemed once");
    }

    [TestMethod]
    public async Task The_link_with_the_code_goes_straight_to_the_confirmation()
    {
        var device = await StartAsync();
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var confirm = await OidcFlow.AuthorizeAsync(browser, new Uri(device.GetProperty("verification_uri_complete").GetString()!).PathAndQuery, username);

        Assert.AreEqual(HttpStatusCode.OK, confirm.StatusCode);
        StringAssert.Contains(await confirm.Content.ReadAsStringAsync(), "name=\"decision\" value=\"allow\"");
    }

    [TestMethod]
    public async Task A_denial_reaches_the_tv_as_access_denied()
    {
        var device = await StartAsync();
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var confirm = await EnterCodeAsync(browser, username, device.GetProperty("user_code").GetString()!);
        await browser.SubmitAsync(confirm, ("decision", "deny"));

        Assert.AreEqual("access_denied", (await PollAsync(device.GetProperty("device_code").GetString()!)).Error);
    }

    [TestMethod]
    public async Task A_wrong_code_gets_the_form_again_and_nothing_is_authorized()
    {
        var device = await StartAsync();
        var username = await OidcFlow.NewUserAsync(s_server);
        var browser = new FormBrowser(s_server);

        var wrong = await EnterCodeAsync(browser, username, "000000000000");

        Assert.AreEqual(HttpStatusCode.BadRequest, wrong.StatusCode, await wrong.Content.ReadAsStringAsync());
        StringAssert.Contains(await wrong.Content.ReadAsStringAsync(), "That code is not right");
        Assert.AreEqual("authorization_pending", (await PollAsync(device.GetProperty("device_code").GetString()!)).Error);
    }
}
