using Duende.IdentityModel.Client;
using Identity.Testing;
using Microsoft.Playwright;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>RFC 8628 with a real client library and a real browser: a TV asks for a code, the user enters it on their phone, the TV's polling gets grid session tokens.</summary>
[TestClass]
public sealed class DeviceTests
{
    private static GridProcess s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await OidcGrid.StartAsync();

    [TestMethod]
    public async Task A_tv_signs_in_when_the_user_types_its_code_on_the_hosted_page()
    {
        var username = GridScenario.UniqueName();
        (await s_grid.Client.RegisterAsync(username)).EnsureSuccessStatusCode();
        using var tv = new HttpClient();
        var device = await tv.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest
        {
            Address = new Uri(s_grid.Client.BaseAddress!, "connect/device").ToString(),
            ClientId = OidcGrid.TvAppId,
            Scope = "openid profile offline_access",
        });
        Assert.IsFalse(device.IsError, device.Error);
        Assert.AreEqual("authorization_pending", (await PollAsync(tv, device.DeviceCode!)).Error);

        // On the phone: the verification address the TV shows, sign in, type the code, allow.
        await using var context = await HeadlessChromium.NewContextAsync(HeadlessChromium.PhoneWidth, HeadlessChromium.PhoneHeight);
        var page = await context.NewPageAsync();
        await page.GotoAsync(device.VerificationUri!);
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByLabel("The code on your device's screen").FillAsync(device.UserCode!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Allow Living-room TV?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Device connected");

        var tokens = await PollAsync(tv, device.DeviceCode!);
        Assert.IsFalse(tokens.IsError, tokens.Error);
        StringAssert.StartsWith(tokens.AccessToken, "iga_");
        Assert.IsNotNull(tokens.RefreshToken);
        var info = await tv.GetUserInfoAsync(new UserInfoRequest { Address = new Uri(s_grid.Client.BaseAddress!, "connect/userinfo").ToString(), Token = tokens.AccessToken });
        Assert.AreEqual(username, info.Claims.First(c => c.Type == "preferred_username").Value);
    }

    private static Task<TokenResponse> PollAsync(HttpClient tv, string deviceCode) =>
        tv.RequestDeviceTokenAsync(new DeviceTokenRequest
        {
            Address = new Uri(s_grid.Client.BaseAddress!, "connect/token").ToString(),
            ClientId = OidcGrid.TvAppId,
            DeviceCode = deviceCode,
        });
}
