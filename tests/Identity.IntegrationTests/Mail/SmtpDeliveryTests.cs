using System.Net;
using System.Net.Http.Json;
using Identity.Testing;

namespace Identity.IntegrationTests.Mail;

/// <summary>Account mail through a real SMTP server (smtp4dev) from a real Api process: MailKit over SMTP, read back through the server's API.</summary>
[TestClass]
public sealed class SmtpDeliveryTests
{
    [TestMethod]
    public async Task A_new_device_sign_in_and_a_password_change_reach_the_owner_by_smtp()
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
        });
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await grid.Client.RegisterAsync(username, email: email)).StatusCode);
        var first = await grid.Client.LoginTokensAsync(username);
        var second = await grid.Client.LoginTokensAsync(username);

        var notice = await smtp.WaitForAsync(email, "New sign-in to your Example Accounts account");
        StringAssert.Contains(await smtp.PlainTextAsync(notice.Id), "a device it had not been used on before");

        var change = await grid.Client.SendAsync(HttpMethod.Put, "/v1/users/me/password", second.AccessToken, new { currentPassword = GridScenario.Password, newPassword = "another long passphrase for the grid 5521" });
        Assert.AreEqual(HttpStatusCode.NoContent, change.StatusCode);
        await smtp.WaitForAsync(email, "password was changed");
        Assert.AreEqual(2, (await smtp.MessagesAsync()).Count(m => m.To.Contains(email, StringComparison.OrdinalIgnoreCase)), "nothing for the first sign-in");
        Assert.IsNotNull(first);
    }
}
