using System.Net;
using Identity.Testing;
using MimeKit;

namespace Identity.Tests.Mail;

/// <summary>Account notices in folder mode (the default run's: one .eml per message): a new device, a password change, and nothing else.</summary>
[TestClass]
public sealed class AccountNoticeTests
{
    private static readonly TestMailFolder Mail = new();
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        var settings = Mail.Settings();
        settings["Email:ServiceName"] = "Example <Accounts>";
        settings["Email:From"] = "Example Accounts <accounts@example.test>";
        settings["LoginThrottle:AccountCeiling"] = "3";
        s_host = new ApiHost(settings);
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_host.DisposeAsync();
        Mail.Dispose();
    }

    [TestMethod]
    public async Task A_sign_in_from_a_new_device_is_mailed_to_the_owner_but_not_the_first_nor_a_known_device()
    {
        var (username, email, first) = await NewAccountAsync();
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username, GridScenario.Password, first.DeviceToken!)).StatusCode);
        Assert.IsFalse((await Mail.SettledAsync(email)).Any(m => m.Subject?.Contains("New sign-in", StringComparison.Ordinal) == true), "the first sign-in and a known device are no news");

        var stranger = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password = GridScenario.Password }) };
        stranger.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.SendAsync(stranger)).StatusCode);

        var message = await Mail.WaitForAsync(email, "New sign-in");
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
        var (_, email, tokens) = await NewAccountAsync();

        var change = await s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", tokens.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "a different passphrase, long enough 4417" });
        Assert.AreEqual(HttpStatusCode.NoContent, change.StatusCode);

        var message = await Mail.WaitForAsync(email, "password was changed");
        StringAssert.Contains(message.TextBody, "Every other device was signed out");
    }

    [TestMethod]
    public async Task Failed_sign_ins_that_block_the_account_are_mailed_once()
    {
        var (username, email, _) = await NewAccountAsync();
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username, "not the password at all")).StatusCode);
        }

        var notice = await Mail.WaitForAsync(email, "are blocked for a while");
        StringAssert.Contains(notice.TextBody, "Devices you signed in on before still can");
        Assert.HasCount(1, (await Mail.SettledAsync(email)).Where(m => m.Subject?.Contains("blocked", StringComparison.Ordinal) == true).ToList(), "the block is news once, not each refusal after it");
    }

    [TestMethod]
    public async Task An_unproven_address_gets_only_its_verification_mail()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.RegisterAsync(username, email: email)).StatusCode);
        var tokens = await s_client.LoginTokensAsync(username);
        var stranger = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password = GridScenario.Password }) };
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.SendAsync(stranger)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", tokens.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "a different passphrase, long enough 5512" })).StatusCode);

        var all = await Mail.SettledAsync(email);

        Assert.HasCount(1, all, string.Join(" | ", all.Select(m => m.Subject)));
        StringAssert.Contains(all[0].Subject, "Confirm your email address");
    }

    /// <summary>A new account whose address is proven with the mailed code (the real flow), signed in once.</summary>
    private static async Task<(string Username, string Email, ApiTokens Tokens)> NewAccountAsync()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.RegisterAsync(username, email: email)).StatusCode);
        var tokens = await s_client.LoginTokensAsync(username);
        var code = TestMailFolder.Code(await Mail.WaitForAsync(email, "Confirm your email address"));
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code })).StatusCode);
        return (username, email, tokens);
    }
}
