using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;
using OtpNet;

namespace Identity.Tests.Accounts;

/// <summary>
/// The hosted pages of the account's lifecycle, driven as a browser without script would: the
/// two-step sign-in, a forgotten password from the form to the mailed link, and proving an address
/// from its link. Same forgery checks and headers as every page.
/// </summary>
[TestClass]
public sealed class AccountPagesTests
{
    private static MailedApi s_api = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_api = new MailedApi(OidcClients.Settings());
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_api.DisposeAsync();

    [TestMethod]
    public async Task The_sign_in_page_asks_for_the_apps_code_after_the_password_and_signs_in_with_it()
    {
        var (username, secret) = await AccountWithAppAsync();
        var browser = new FormBrowser(s_api.Client);

        var second = await browser.SubmitAsync(await browser.GetAsync("/account/login?returnUrl=%2Faccount"), ("username", username), ("password", GridScenario.Password));
        Assert.AreEqual(HttpStatusCode.OK, second.StatusCode);
        var html = await second.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "autocomplete=\"one-time-code\"");
        StringAssert.Contains(html, "name=\"recoveryCode\"");
        Assert.IsFalse(browser.Cookies.ContainsKey("__Host-igp"), "no sign-in before the code");

        var wrong = await browser.SubmitAsync(second, ("code", "000000" == Code(secret) ? "111111" : "000000"));
        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.IsFalse(browser.Cookies.ContainsKey("__Host-igp"));

        s_api.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var done = await browser.SubmitAsync(wrong, ("code", Code(secret)));

        Assert.AreEqual(HttpStatusCode.Redirect, done.StatusCode, await done.Content.ReadAsStringAsync());
        Assert.AreEqual("/account", browser.Location(done).AbsolutePath);
        Assert.IsTrue(browser.Cookies.ContainsKey("__Host-igp"));
    }

    [TestMethod]
    public async Task A_forgotten_password_is_reset_from_the_form_through_the_mailed_link()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        await s_api.Host.RegisterWithProvenEmailAsync(s_api.Client, username, email);
        var browser = new FormBrowser(s_api.Client);

        var login = await browser.GetAsync("/account/login");
        StringAssert.Contains(await login.Content.ReadAsStringAsync(), "href=\"/account/forgot-password\"");
        var sent = await browser.SubmitAsync(await browser.GetAsync("/account/forgot-password"), ("email", email));
        var nobody = await browser.SubmitAsync(await browser.GetAsync("/account/forgot-password"), ("email", $"{Guid.NewGuid():N}@example.test"));
        Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode);
        Assert.AreEqual(Alert(await sent.Content.ReadAsStringAsync()), Alert(await nobody.Content.ReadAsStringAsync()), "the same page whatever the address");

        var link = new Uri(TestMailFolder.Link(await s_api.Mail.WaitForAsync(email, "Reset your")));
        var form = await browser.GetAsync(link.PathAndQuery);
        Assert.AreEqual(HttpStatusCode.OK, form.StatusCode);
        var weak = await browser.SubmitAsync(form, ("password", "password1"));
        Assert.AreEqual(HttpStatusCode.BadRequest, weak.StatusCode);
        var reset = await browser.SubmitAsync(weak, ("password", "a new passphrase from the reset page 8812"));

        Assert.AreEqual(HttpStatusCode.OK, reset.StatusCode);
        StringAssert.Contains(await reset.Content.ReadAsStringAsync(), "Password changed");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(username, "a new passphrase from the reset page 8812")).StatusCode);
        var again = await browser.SubmitAsync(await browser.GetAsync(link.PathAndQuery), ("password", "yet another passphrase for it 1234"));
        Assert.AreEqual(HttpStatusCode.BadRequest, again.StatusCode, "the link worked once");
    }

    [TestMethod]
    public async Task An_address_is_proven_from_its_link_by_the_pages_button_not_by_opening_the_link()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        var browser = new FormBrowser(s_api.Client);
        await browser.SubmitAsync(await browser.GetAsync("/account/register"), ("username", username), ("email", email), ("password", GridScenario.Password));
        var link = new Uri(TestMailFolder.Link(await s_api.Mail.WaitForAsync(email, "Confirm your email address")));

        var page = await browser.GetAsync(link.PathAndQuery);
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(email)).StatusCode, "opening the link proves nothing (mail scanners open links)");

        var confirmed = await browser.SubmitAsync(page);

        Assert.AreEqual(HttpStatusCode.OK, confirmed.StatusCode);
        StringAssert.Contains(await confirmed.Content.ReadAsStringAsync(), "is confirmed");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(email)).StatusCode);
        var forged = await new FormBrowser(s_api.Client).PostFormAsync("/account/verify-email", [new("ticket", TestMailFolder.Ticket(await s_api.Mail.WaitForAsync(email, "Confirm your email address")))]);
        Assert.AreEqual(HttpStatusCode.BadRequest, forged.StatusCode, "no antiforgery token, no proof");
    }

    private static string Alert(string html) => System.Text.RegularExpressions.Regex.Match(html, "<main[^>]*>(?<m>.*)</main>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups["m"].Value;

    private static string Code(byte[] secret) => new Totp(secret).ComputeTotp(s_api.Host.Clock.GetUtcNow().UtcDateTime);

    private static async Task<(string Username, byte[] Secret)> AccountWithAppAsync()
    {
        var username = await OidcFlow.NewUserAsync(s_api.Client);
        var tokens = await s_api.Client.LoginTokensAsync(username);
        var begun = await (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Encoding.ToBytes(begun.GetProperty("secret").GetString());
        Assert.AreEqual(HttpStatusCode.OK, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", tokens.AccessToken, new { code = Code(secret) })).StatusCode);
        return (username, secret);
    }
}
