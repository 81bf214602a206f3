using System.Net;
using System.Net.Http.Json;
using Identity.Testing;

namespace Identity.IntegrationTests.Mail;

/// <summary>
/// The account's mail through a real SMTP server (smtp4dev) from a real Api process — MailKit over
/// SMTP, read back through the server's API — and acted on as its owner would: the address proven
/// with the mailed link, a new device told, a forgotten password reset with the mailed link.
/// </summary>
[TestClass]
public sealed class SmtpDeliveryTests
{
    [TestMethod]
    public async Task An_account_is_proven_told_and_recovered_through_real_mail()
    {
        await using var smtp = await TestSmtp.StartAsync();
        await using var grid = await GridProcess.StartApiAsync(new Dictionary<string, string>
        {
            ["Storage__Mode"] = "Memory",
            ["Email__Mode"] = "Smtp",
            ["Email__Smtp__Host"] = "127.0.0.1",
            ["Email__Smtp__Port"] = smtp.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email__Smtp__Security"] = "None",
            ["Email__ServiceName"] = "Example Accounts",
            ["Email__LinkBaseUrl"] = "https://accounts.example.test",
        });
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await grid.Client.RegisterAsync(username, email: email)).StatusCode);

        // The address, proven with the mailed link.
        var verification = await smtp.PlainTextAsync((await smtp.WaitForAsync(email, "Confirm your email address for Example Accounts")).Id);
        StringAssert.Contains(verification, "https://accounts.example.test/account/verify-email?ticket=igv_");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await grid.Client.LoginAsync(email)).StatusCode, "not before it is proven");
        var proven = await grid.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = TestMailFolder.Ticket(verification) });
        Assert.AreEqual(HttpStatusCode.OK, proven.StatusCode, await proven.Content.ReadAsStringAsync());

        // A second device is news; the first sign-in is not.
        await grid.Client.LoginTokensAsync(email);
        await grid.Client.LoginTokensAsync(username);
        StringAssert.Contains(await smtp.PlainTextAsync((await smtp.WaitForAsync(email, "New sign-in to your Example Accounts account")).Id), "a device it had not been used on before");

        // A forgotten password, reset with the mailed link.
        Assert.AreEqual(HttpStatusCode.Accepted, (await grid.Client.PostAsJsonAsync("/v1/password-resets", new { email })).StatusCode);
        var reset = await smtp.PlainTextAsync((await smtp.WaitForAsync(email, "Reset your Example Accounts password")).Id);
        var completed = await grid.Client.PostAsJsonAsync("/v1/password-resets/complete", new { ticket = TestMailFolder.Ticket(reset), newPassword = "another long passphrase for the grid 5521" });
        Assert.AreEqual(HttpStatusCode.NoContent, completed.StatusCode, await completed.Content.ReadAsStringAsync());
        await smtp.WaitForAsync(email, "password was reset");
        Assert.AreEqual(HttpStatusCode.Created, (await grid.Client.LoginAsync(username, "another long passphrase for the grid 5521")).StatusCode);

        // That sign-in came without the device token too: news again.
        await smtp.WaitForAsync(email, "New sign-in", count: 2);

        // An authenticator app added: the owner is told.
        var tokens = await grid.Client.LoginTokensAsync(username, "another long passphrase for the grid 5521");
        var begun = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(
            (await grid.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", tokens.AccessToken)).Content);
        var code = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(begun.GetProperty("secret").GetString())).ComputeTotp();
        Assert.AreEqual(HttpStatusCode.OK, (await grid.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", tokens.AccessToken, new { code })).StatusCode);
        StringAssert.Contains(await smtp.PlainTextAsync((await smtp.WaitForAsync(email, "sign-in protection changed")).Id), "An authenticator app was added");

        var subjects = (await smtp.MessagesAsync()).Where(m => m.To.Contains(email, StringComparison.OrdinalIgnoreCase)).Select(m => m.Subject).ToList();
        Assert.HasCount(7, subjects, "verification, three new devices, reset link, reset notice, app added — and nothing else: " + string.Join(" | ", subjects));
    }
}
