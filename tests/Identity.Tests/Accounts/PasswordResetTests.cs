using System.Net;
using System.Net.Http.Json;
using Identity.Testing;

namespace Identity.Tests.Accounts;

/// <summary>
/// A forgotten password: one answer for every address, a link only to a proven address, the link
/// single-use, short-lived and replaced by a newer one; completing it ends every session and every block.
/// </summary>
[TestClass]
public sealed class PasswordResetTests
{
    private const string NewPassword = "a brand new passphrase for the account 2291";
    private static MailedApi s_api = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        // A low account ceiling, so a test can block the account and see the reset clear it.
        s_api = new MailedApi(new() { ["LoginThrottle:AccountCeiling"] = "3", ["RateLimiting:AccountRecoveryPerMinute"] = "0" });
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_api.DisposeAsync();

    [TestMethod]
    public async Task Every_address_gets_the_same_202_and_only_a_proven_one_gets_a_link()
    {
        var proven = await s_api.NewProvenAccountAsync();
        var unproven = $"{Guid.NewGuid():N}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.RegisterAsync(GridScenario.UniqueName(), email: unproven)).StatusCode);
        var nobody = $"{Guid.NewGuid():N}@example.test";

        var answers = new List<string>();
        foreach (var email in new[] { proven.Email, unproven, nobody, "not an address" })
        {
            var response = await s_api.Client.PostAsJsonAsync("/v1/password-resets", new { email });
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, email);
            answers.Add($"{response.Content.Headers.ContentLength}:{await response.Content.ReadAsStringAsync()}");
        }

        Assert.HasCount(1, answers.Distinct(), "the same answer, byte for byte");
        var link = TestMailFolder.Link(await s_api.Mail.WaitForAsync(proven.Email, "Reset your"));
        StringAssert.StartsWith(link, "https://id.example.test/account/reset-password?ticket=igp_");
        Assert.IsFalse((await s_api.Mail.SettledAsync(unproven)).Any(m => m.Subject?.Contains("Reset", StringComparison.Ordinal) == true), "an unproven address recovers nothing");
        Assert.IsEmpty(s_api.Mail.To(nobody));
    }

    [TestMethod]
    public async Task Completing_a_reset_sets_the_password_ends_every_session_clears_blocks_and_tells_the_owner()
    {
        var account = await s_api.NewProvenAccountAsync();
        for (var i = 0; i < 3; i++)
        {
            await s_api.Client.LoginAsync(account.Username, "not the password at all");
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(account.Username)).StatusCode, "blocked by the ceiling");
        var ticket = await RequestTicketAsync(account.Email);

        var reset = await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket, newPassword = NewPassword });

        Assert.AreEqual(HttpStatusCode.NoContent, reset.StatusCode, await reset.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.GetCurrentAsync(account.Tokens.AccessToken)).StatusCode, "every session ended");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(account.Username)).StatusCode, "the old password is gone");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(account.Username, NewPassword)).StatusCode, "the block is cleared");
        StringAssert.Contains((await s_api.Mail.WaitForAsync(account.Email, "password was reset")).TextBody, "Every device was signed out");
        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket, newPassword = NewPassword + "x" })).StatusCode, "a link works once");
    }

    [TestMethod]
    public async Task A_new_request_voids_the_last_link_and_a_link_expires_after_thirty_minutes()
    {
        var account = await s_api.NewProvenAccountAsync();
        var first = await RequestTicketAsync(account.Email);
        var second = await RequestTicketAsync(account.Email, count: 2);

        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket = first, newPassword = NewPassword })).StatusCode, "replaced");

        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(31));
        var expired = await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket = second, newPassword = NewPassword });
        var forged = await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket = "igp_" + second[4..^4] + "AAAA", newPassword = NewPassword });
        Assert.AreEqual(HttpStatusCode.BadRequest, expired.StatusCode);
        Assert.AreEqual(await expired.ProblemWithoutTraceAsync(), await forged.ProblemWithoutTraceAsync(), "expired and forged read the same");
    }

    [TestMethod]
    public async Task The_new_password_follows_the_registration_policy_and_a_refused_one_leaves_the_link_usable()
    {
        var account = await s_api.NewProvenAccountAsync();
        var ticket = await RequestTicketAsync(account.Email);

        var weak = await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket, newPassword = "password123" });
        Assert.AreEqual(HttpStatusCode.BadRequest, weak.StatusCode);
        CollectionAssert.AreEqual(new[] { "newPassword" }, (await weak.ErrorFieldsAsync()).ToArray());

        Assert.AreEqual(HttpStatusCode.NoContent, (await s_api.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket, newPassword = NewPassword })).StatusCode);
    }

    [TestMethod]
    public async Task An_account_is_sent_at_most_three_links_an_hour()
    {
        var account = await s_api.NewProvenAccountAsync();
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual(HttpStatusCode.Accepted, (await s_api.Client.PostAsJsonAsync("/v1/password-resets", new { email = account.Email })).StatusCode);
        }

        await s_api.Mail.WaitForAsync(account.Email, "Reset your", count: 3);
        Assert.HasCount(3, (await s_api.Mail.SettledAsync(account.Email)).Where(m => m.Subject?.StartsWith("Reset your", StringComparison.Ordinal) == true).ToList());

        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(61));
        await RequestTicketAsync(account.Email, count: 4);
    }

    private static async Task<string> RequestTicketAsync(string email, int count = 1)
    {
        Assert.AreEqual(HttpStatusCode.Accepted, (await s_api.Client.PostAsJsonAsync("/v1/password-resets", new { email })).StatusCode);
        return TestMailFolder.Ticket(await s_api.Mail.WaitForAsync(email, "Reset your", count));
    }
}
