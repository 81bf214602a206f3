using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class RegistrationApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    public async Task Registration_returns_201_with_the_user_id_and_username()
    {
        var username = GridScenario.UniqueName();

        var response = await s_client.RegisterAsync(username, email: $"{Guid.NewGuid():N}@example.com");

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.IsTrue(Guid.TryParse(body.GetProperty("userId").GetString(), out _));
        Assert.AreEqual(username, body.GetProperty("username").GetString());
    }

    [TestMethod]
    public async Task A_name_taken_in_another_case_or_width_is_409()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        (await s_client.RegisterAsync($"Carol{suffix}")).EnsureSuccessStatusCode();

        var upper = await s_client.RegisterAsync($"CAROL{suffix.ToUpperInvariant()}");
        var fullwidth = await s_client.RegisterAsync($"Ｃａｒｏｌ{suffix}");

        Assert.AreEqual(HttpStatusCode.Conflict, upper.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, fullwidth.StatusCode);
        Assert.AreEqual("username", (await upper.ProblemAsync()).GetProperty("field").GetString());
    }

    [TestMethod]
    public async Task A_taken_email_is_409_naming_the_email()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        await SharedApi.Host.RegisterWithProvenEmailAsync(s_client, GridScenario.UniqueName(), email);

        var response = await s_client.RegisterAsync(GridScenario.UniqueName(), email: email.ToUpperInvariant());

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
        Assert.AreEqual("email", (await response.ProblemAsync()).GetProperty("field").GetString());
    }

    [TestMethod]
    [DataRow("zero\u200Bwidth", DisplayName = "zero-width space")]
    [DataRow("bell\u0007", DisplayName = "control character")]
    [DataRow("with space", DisplayName = "space")]
    [DataRow("ab", DisplayName = "too short")]
    public async Task A_username_with_invisible_control_or_too_few_characters_is_400(string username)
    {
        var response = await s_client.RegisterAsync(username);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        CollectionAssert.AreEqual((string[])["username"], (await response.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task Passwords_shorter_than_8_or_longer_than_1024_characters_are_400()
    {
        var tooShort = await s_client.RegisterAsync(GridScenario.UniqueName(), "short12");
        var tooLong = await s_client.RegisterAsync(GridScenario.UniqueName(), string.Concat(Enumerable.Range(0, 33).Select(_ => Guid.NewGuid().ToString("N")))[..1025]);
        var longest = await s_client.RegisterAsync(GridScenario.UniqueName(), string.Concat(Enumerable.Range(0, 32).Select(_ => Guid.NewGuid().ToString("N")))[..1024]);

        Assert.AreEqual(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, tooLong.StatusCode);
        CollectionAssert.AreEqual((string[])["password"], (await tooLong.ErrorFieldsAsync()).ToArray());
        Assert.AreEqual(HttpStatusCode.Created, longest.StatusCode);
    }

    [TestMethod]
    public async Task Missing_fields_are_each_named()
    {
        var response = await s_client.PostAsJsonAsync("/v1/users", new { });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        CollectionAssert.AreEquivalent((string[])["username", "password"], (await response.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    public async Task A_malformed_email_is_400_naming_the_email()
    {
        var response = await s_client.RegisterAsync(GridScenario.UniqueName(), email: "not-an-email");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        CollectionAssert.AreEqual((string[])["email"], (await response.ErrorFieldsAsync()).ToArray());
    }
}
