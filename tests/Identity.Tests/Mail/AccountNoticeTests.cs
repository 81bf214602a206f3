using System.Net;
using Identity.Testing;
using MimeKit;

namespace Identity.Tests.Mail;

/// <summary>Account notices in folder mode (the default run's: one .eml per message): a new device, a password change, and nothing else.</summary>
[TestClass]
public sealed class AccountNoticeTests
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), $"identity-mail-{Guid.NewGuid():N}");
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(new Dictionary<string, string?>
        {
            ["Email:Mode"] = "Folder",
            ["Email:Folder"] = Folder,
            ["Email:ServiceName"] = "Example <Accounts>",
            ["Email:From"] = "Example Accounts <accounts@example.test>",
        });
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_host.DisposeAsync();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_sign_in_from_a_new_device_is_mailed_to_the_owner_but_not_the_first_nor_a_known_device()
    {
        var (username, email) = await NewAccountAsync();
        var first = await s_client.LoginTokensAsync(username);
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username, GridScenario.Password, first.DeviceToken!)).StatusCode);
        Assert.IsEmpty(await MessagesToAsync(email, expected: 0), "the first sign-in and a known device are no news");

        var stranger = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password = GridScenario.Password }) };
        stranger.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.SendAsync(stranger)).StatusCode);

        var message = (await MessagesToAsync(email, expected: 1)).Single();
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
        var (username, email) = await NewAccountAsync();
        var tokens = await s_client.LoginTokensAsync(username);

        var change = await s_client.SendAsync(HttpMethod.Put, "/v1/users/me/password", tokens.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "a different passphrase, long enough 4417" });
        Assert.AreEqual(HttpStatusCode.NoContent, change.StatusCode);

        var message = (await MessagesToAsync(email, expected: 1)).Single();
        StringAssert.Contains(message.Subject, "password was changed");
        StringAssert.Contains(message.TextBody, "Every other device was signed out");
    }

    private static async Task<(string Username, string Email)> NewAccountAsync()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.RegisterAsync(username, email: email)).StatusCode);
        return (username, email);
    }

    /// <summary>The messages to <paramref name="email"/> once <paramref name="expected"/> of them are there (or after a bounded wait, for "none").</summary>
    private static async Task<List<MimeMessage>> MessagesToAsync(string email, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(expected == 0 ? 1 : 10);
        List<MimeMessage> found;
        do
        {
            found = Directory.Exists(Folder)
                ? [.. Directory.GetFiles(Folder, "*.eml").Select(file => MimeMessage.Load(file)).Where(m => m.To.Mailboxes.Any(a => a.Address == email))]
                : [];
            if (found.Count >= expected && expected > 0)
            {
                return found;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        return found;
    }
}
