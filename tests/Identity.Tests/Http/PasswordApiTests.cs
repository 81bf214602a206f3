using System.Net;
using Identity.Testing;

namespace Identity.Tests.Http;

[TestClass]
public sealed class PasswordApiTests
{
    private const string NewPassword = "an entirely new passphrase";
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    public async Task Changing_the_password_is_204_ends_other_sessions_and_swaps_credentials()
    {
        var (username, current) = await s_client.SignUpAndLoginAsync();
        var other = await s_client.LoginTokensAsync(username);

        var response = await ChangeAsync(current.AccessToken, GridScenario.Password, NewPassword);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(current.AccessToken)).StatusCode);
        await SessionApiTests.AssertInvalidTokenAsync(await s_client.GetCurrentAsync(other.AccessToken));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username, NewPassword)).StatusCode);
    }

    [TestMethod]
    public async Task A_wrong_current_password_is_403_and_changes_nothing()
    {
        var (username, current) = await s_client.SignUpAndLoginAsync();

        var response = await ChangeAsync(current.AccessToken, "not my password", NewPassword);

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual(403, (await response.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
    }

    [TestMethod]
    public async Task A_too_short_new_password_or_missing_fields_are_400_naming_the_field()
    {
        var (_, current) = await s_client.SignUpAndLoginAsync();

        var tooShort = await ChangeAsync(current.AccessToken, GridScenario.Password, "short");
        var missing = await s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", current.AccessToken, new { });
        var tooLong = await ChangeAsync(current.AccessToken, GridScenario.Password, new string('n', 1025));

        Assert.AreEqual(HttpStatusCode.BadRequest, tooShort.StatusCode);
        CollectionAssert.AreEqual((string[])["newPassword"], (await tooShort.ErrorFieldsAsync()).ToArray());
        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        CollectionAssert.AreEquivalent((string[])["currentPassword", "newPassword"], (await missing.ErrorFieldsAsync()).ToArray());
        Assert.AreEqual(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    private static Task<HttpResponseMessage> ChangeAsync(string accessToken, string currentPassword, string newPassword) =>
        s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", accessToken, new { currentPassword, newPassword });
}
