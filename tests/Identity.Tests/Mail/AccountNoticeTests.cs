using System.Net;
using Identity.Testing;
using MimeKit;

namespace Identity.Tests.Mail;

/// <summary>Account notices in folder mode (the default run's: one .eml per message): a new device, a password change, and nothing else.</summary>
[TestClass]
public sealed class AccountNoticeTests
{
    private static MailedApi s_api = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_api = new MailedApi(new Dictionary<string, string?>
        {
            ["Email:ServiceName"] = "Example <Accounts>",
            ["Email:From"] = "Example Accounts <accounts@example.test>",
            ["LoginThrottle:AccountCeiling"] = "3",
        });
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_api.DisposeAsync();

    [TestMethod]
    public async Task A_sign_in_from_a_new_device_is_mailed_to_the_owner_but_not_the_first_nor_a_known_device()
    {
        var (username, email, first) = await s_api.NewProvenAccountAsync();
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(username, GridScenario.Password, first.DeviceToken!)).StatusCode);
        Assert.IsFalse((await s_api.Mail.SettledAsync(email)).Any(m => m.Subject?.Contains("New sign-in", StringComparison.Ordinal) == true), "the first sign-in and a known device are no news");

        var stranger = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password = GridScenario.Password }) };
        stranger.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.SendAsync(stranger)).StatusCode);

        var message = await s_api.Mail.WaitForAsync(email, "New sign-in");
        Assert.AreEqual("New sign-in to your Example <Accounts> account", message.Subject);
        Assert.AreEqual("accounts@example.test", ((MailboxAddress)message.From.Single()).Address);
        StringAssert.Contains(message.TextBody, "Firefox on Windows");
        StringAssert.Contains(message.TextBody, "127.0.0.1");
        StringAssert.Contains(message.HtmlBody, "Example &lt;Accounts&gt;", "what the text says, the HTML encodes");
        Assert.DoesNotContain("iga_", message.TextBody + message.HtmlBody, "never a token");
    }

    [TestMethod]
    public async Task A_password_change_is_mailed_to_the_owner()
    {
        var (_, email, tokens) = await s_api.NewProvenAccountAsync();

        var change = await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/password", tokens.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "a different passphrase, long enough 4417" });
        Assert.AreEqual(HttpStatusCode.NoContent, change.StatusCode);

        var message = await s_api.Mail.WaitForAsync(email, "password was changed");
        StringAssert.Contains(message.TextBody, "Every other device was signed out");
    }

    [TestMethod]
    public async Task Failed_sign_ins_that_block_the_account_are_mailed_once()
    {
        var (username, email, _) = await s_api.NewProvenAccountAsync();
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(username, "not the password at all")).StatusCode);
        }

        var notice = await s_api.Mail.WaitForAsync(email, "are blocked for a while");
        StringAssert.Contains(notice.TextBody, "Devices you signed in on before still can");
        Assert.HasCount(1, (await s_api.Mail.SettledAsync(email)).Where(m => m.Subject?.Contains("blocked", StringComparison.Ordinal) == true).ToList(), "the block is news once, not each refusal after it");
    }

    [TestMethod]
    public async Task An_unproven_address_gets_only_its_verification_mail()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.RegisterAsync(username, email: email)).StatusCode);
        var tokens = await s_api.Client.LoginTokensAsync(username);
        var stranger = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password = GridScenario.Password }) };
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.SendAsync(stranger)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/password", tokens.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "a different passphrase, long enough 5512" })).StatusCode);

        var all = await s_api.Mail.SettledAsync(email);

        Assert.HasCount(1, all, string.Join(" | ", all.Select(m => m.Subject)));
        StringAssert.Contains(all[0].Subject, "Confirm your email address");
    }

}
