using System.Net;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>Common, guessable and self-describing passwords are refused with 400 and a reason, at registration and at change.</summary>
[TestClass]
public sealed class PasswordPolicyApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    [DataRow("password123")]
    [DataRow("PASSWORD123")]
    [DataRow("qwertyuiop")]
    [DataRow("iloveyou1")]
    [DataRow("12345678")]
    [DataRow("P@ssw0rd!")]
    [DataRow("aaaaaaaaaaaa")]
    [DataRow("identitygrid1")]
    public async Task Common_and_guessable_passwords_are_refused_at_registration(string password)
    {
        var response = await s_client.RegisterAsync(GridScenario.UniqueName(), password);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, password);
        var problem = await response.ProblemAsync();
        Assert.IsGreaterThan(10, problem.GetProperty("errors").GetProperty("password")[0].GetString()!.Length, "the field error says why");
    }

    [TestMethod]
    public async Task A_password_built_on_the_username_or_email_is_refused()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var onUsername = await s_client.RegisterAsync($"marguerite{suffix}", $"Marguerite{suffix}!");
        var onEmail = await s_client.RegisterAsync($"user-{suffix}", $"bartholomew{suffix}1", email: $"bartholomew{suffix}@example.com");

        Assert.AreEqual(HttpStatusCode.BadRequest, onUsername.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, onEmail.StatusCode);
    }

    [TestMethod]
    public async Task A_strong_password_is_accepted()
    {
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.RegisterAsync(GridScenario.UniqueName(), "violet tractor minus eleven")).StatusCode);
    }

    [TestMethod]
    public async Task A_new_password_that_is_common_or_equal_to_the_current_one_is_refused_on_change()
    {
        var (_, tokens) = await s_client.SignUpAndLoginAsync();

        var common = await ChangeAsync(tokens.AccessToken, GridScenario.Password, "password123");
        var same = await ChangeAsync(tokens.AccessToken, GridScenario.Password, GridScenario.Password);

        Assert.AreEqual(HttpStatusCode.BadRequest, common.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, same.StatusCode);
        StringAssert.Contains((await same.ProblemAsync()).GetProperty("errors").GetProperty("newPassword")[0].GetString(), "differ");
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode, "nothing changed");
    }

    private static Task<HttpResponseMessage> ChangeAsync(string accessToken, string currentPassword, string newPassword) =>
        s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", accessToken, new { currentPassword, newPassword });
}
