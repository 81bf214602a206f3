using System.Net;
using System.Net.Http.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class LoginApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    public async Task Login_returns_201_with_a_bearer_token_pair_that_is_not_cached()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();

        var response = await s_client.LoginAsync(username);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        Assert.IsTrue(response.Headers.CacheControl?.NoStore);
        var tokens = (await response.Content.ReadFromJsonAsync<ApiTokens>())!;
        Assert.AreEqual("Bearer", tokens.TokenType);
        Assert.AreEqual(3600, tokens.ExpiresIn);
        StringAssert.StartsWith(tokens.AccessToken, "iga_");
        StringAssert.StartsWith(tokens.RefreshToken, "igr_");
    }

    [TestMethod]
    public async Task Login_accepts_the_email_in_place_of_the_username()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        await SharedApi.Host.RegisterWithProvenEmailAsync(s_client, GridScenario.UniqueName(), email);

        var response = await s_client.LoginAsync(email.ToUpperInvariant());

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
    }

    [TestMethod]
    public async Task Unknown_user_wrong_password_and_throttled_source_get_the_same_401()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();

        var unknown = await s_client.LoginAsync(GridScenario.UniqueName());
        var wrong = await s_client.LoginAsync(username, "not the password");
        for (var i = 0; i < 4; i++)
        {
            await s_client.LoginAsync(username, "not the password");
        }

        var throttled = await s_client.LoginAsync(username);

        Assert.AreEqual(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, throttled.StatusCode);
        var body = await unknown.ProblemWithoutTraceAsync();
        Assert.AreEqual(body, await wrong.ProblemWithoutTraceAsync());
        Assert.AreEqual(body, await throttled.ProblemWithoutTraceAsync());
        CollectionAssert.AreEquivalent(HeaderNames(unknown), HeaderNames(throttled));
    }

    [TestMethod]
    public async Task A_throttled_source_may_try_again_after_its_wait_on_the_identity_clock()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        for (var i = 0; i < 5; i++)
        {
            await s_client.LoginAsync(username, "not the password");
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode);
        SharedApi.Host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
    }

    [TestMethod]
    public async Task A_device_token_that_is_not_one_is_ignored_and_one_that_is_not_text_is_a_400()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();

        var forged = await s_client.LoginAsync(username, deviceToken: "igd_" + new string('A', 78));
        var huge = await s_client.LoginAsync(username, deviceToken: new string('x', 10_000));
        var number = await s_client.PostAsJsonAsync("/v1/sessions", new { username, password = GridScenario.Password, deviceToken = 12 });

        Assert.AreEqual(HttpStatusCode.Created, forged.StatusCode, "a device token that does not verify only means no device trust");
        Assert.AreEqual(HttpStatusCode.Created, huge.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, number.StatusCode);
        Assert.AreEqual("application/problem+json", number.Content.Headers.ContentType?.MediaType);
        CollectionAssert.AreEqual((string[])["deviceToken"], (await number.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task Login_returns_a_device_token_that_passes_its_address_throttling()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var first = await s_client.LoginTokensAsync(username);
        StringAssert.StartsWith(first.DeviceToken, "igd_");
        for (var i = 0; i < 5; i++)
        {
            await s_client.LoginAsync(username, "not the password");
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode, "this address is throttled");
        var withDevice = await s_client.LoginAsync(username, deviceToken: first.DeviceToken);

        Assert.AreEqual(HttpStatusCode.Created, withDevice.StatusCode, "a client that signed in before is not");
        var renewed = (await withDevice.Content.ReadFromJsonAsync<ApiTokens>())!;
        StringAssert.StartsWith(renewed.DeviceToken, "igd_", "each login renews the device token");
    }

    [TestMethod]
    public async Task Missing_fields_are_400_and_an_over_long_password_is_refused_before_hashing()
    {
        var missing = await s_client.PostAsJsonAsync("/v1/sessions", new { username = "someone" });
        var tooLong = await s_client.LoginAsync("someone", new string('x', 1025));

        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        CollectionAssert.AreEqual((string[])["password"], (await missing.ErrorFieldsAsync()).ToArray());
        Assert.AreEqual(HttpStatusCode.BadRequest, tooLong.StatusCode);
        CollectionAssert.AreEqual((string[])["password"], (await tooLong.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task A_name_that_cannot_exist_is_an_ordinary_401()
    {
        var response = await s_client.LoginAsync("has space", GridScenario.Password);

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [TestMethod]
    public async Task A_stale_bearer_header_on_an_anonymous_endpoint_is_ignored()
    {
        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions")
        {
            Content = JsonContent.Create(new { username, password = GridScenario.Password }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "iga_revoked-or-garbage");

        var response = await s_client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
    }

    private static string[] HeaderNames(HttpResponseMessage response) =>
        [.. response.Headers.Select(h => h.Key).Where(h => h != "Date")];
}
