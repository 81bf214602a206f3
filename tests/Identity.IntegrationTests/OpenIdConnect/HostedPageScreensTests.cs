using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Duende.IdentityModel.Client;
using Identity.Testing;
using Microsoft.Playwright;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// Every hosted page in Chromium at phone and desktop width: no WCAG 2.1 A/AA violation found by
/// axe-core, usable without JavaScript, and a screenshot of each for the README
/// (<c>docs/screens/</c>: written there when <c>IDENTITY_UPDATE_SCREENS=1</c>, else under
/// TestResults; the test checks the checked-in set is complete).
/// </summary>
[TestClass]
public sealed class HostedPageScreensTests
{
    private const string UpdateVariable = "IDENTITY_UPDATE_SCREENS";
    private static readonly string[] Pages =
    [
        "login", "login-refused", "register", "consent", "device-code", "device-confirm", "account",
        "security", "totp-setup", "recovery-codes", "second-factor", "forgot-password", "reset-password", "verify-email",
        "sign-out", "signed-out", "invalid-request",
    ];
    private static GridProcess s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await OidcGrid.StartAsync();

    private static string Grid(string path) => new Uri(s_grid.Client.BaseAddress!, path).ToString();

    [TestMethod]
    [DataRow(HeadlessChromium.PhoneWidth, HeadlessChromium.PhoneHeight, "phone")]
    [DataRow(HeadlessChromium.DesktopWidth, HeadlessChromium.DesktopHeight, "desktop")]
    public async Task Every_hosted_page_passes_axe_and_is_captured(int width, int height, string size)
    {
        // A readable name for the pictures; one per width, as the grid lives for the whole run.
        var username = size == "phone" ? "alex.morgan" : "sam.lee";
        (await s_grid.Client.RegisterAsync(username, email: $"{username}@example.test")).EnsureSuccessStatusCode();
        await s_grid.Client.LoginTokensAsync(username);
        await using var context = await HeadlessChromium.NewContextAsync(width, height);
        var page = await context.NewPageAsync();
        var seen = new List<string>();
        async Task CaptureAsync(string name)
        {
            await CheckAccessibilityAsync(page, $"{name} ({size})");
            await page.ScreenshotAsync(new() { Path = ScreenPath($"{name}-{size}.png"), FullPage = true });
            seen.Add(name);
        }

        await page.GotoAsync(Grid("account/login"));
        await CaptureAsync("login");
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await CaptureAsync("login-refused");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await CaptureAsync("register");

        var (_, challenge) = OidcClients.Pkce();
        await page.GotoAsync(Grid($"connect/authorize?client_id={OidcGrid.PartnerId}&redirect_uri={Uri.EscapeDataString(OidcGrid.PartnerRedirect)}&response_type=code&scope=openid%20profile%20photos:read&state=s&code_challenge={challenge}&code_challenge_method=S256"));
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Allow Partner Photos?");
        await CaptureAsync("consent");

        await page.GotoAsync(Grid("connect/verify"));
        await CaptureAsync("device-code");
        using var tv = new HttpClient();
        var device = await tv.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest { Address = Grid("connect/device"), ClientId = OidcGrid.TvAppId, Scope = "openid profile offline_access" });
        await page.GotoAsync(device.VerificationUriComplete!);
        await CaptureAsync("device-confirm");

        await page.GotoAsync(Grid("account"));
        await CaptureAsync("account");

        // Sign-in security: an authenticator app added from the page, then the two-step sign-in it brings.
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign-in security" }).ClickAsync();
        await CaptureAsync("security");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add an authenticator app" }).ClickAsync();
        await CaptureAsync("totp-setup");
        var secret = OtpNet.Base32Encoding.ToBytes(await page.Locator(".code").InnerTextAsync());
        await page.GetByLabel("Code from the app").FillAsync(new OtpNet.Totp(secret).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Your recovery codes");
        await CaptureAsync("recovery-codes");
        await context.ClearCookiesAsync();
        await page.GotoAsync(Grid("account/login"));
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Two-step verification");
        await CaptureAsync("second-factor");
        await page.GotoAsync(Grid("account/forgot-password"));
        await CaptureAsync("forgot-password");
        await page.GotoAsync(Grid("account/reset-password?ticket=igp_example"));
        await CaptureAsync("reset-password");
        await page.GotoAsync(Grid("account/verify-email?ticket=igv_example"));
        await CaptureAsync("verify-email");

        await page.GotoAsync(Grid("connect/endsession"));
        await CaptureAsync("sign-out");
        await page.GotoAsync(Grid("account/signed-out"));
        await CaptureAsync("signed-out");
        await page.GotoAsync(Grid("connect/authorize?client_id=nobody&response_type=code"));
        await CaptureAsync("invalid-request");

        CollectionAssert.AreEqual(Pages, seen);
        var checkedIn = Path.Combine(RepositoryFiles.PathOf("docs", "screens"));
        foreach (var name in Pages)
        {
            Assert.IsTrue(File.Exists(Path.Combine(checkedIn, $"{name}-{size}.png")), $"docs/screens/{name}-{size}.png is missing: run the tests with {UpdateVariable}=1 and commit it.");
        }
    }

    [TestMethod]
    public async Task Signing_in_and_consenting_work_with_javascript_off()
    {
        var username = GridScenario.UniqueName();
        (await s_grid.Client.RegisterAsync(username)).EnsureSuccessStatusCode();
        var browser = await (await HeadlessChromium.NewContextAsync()).Browser!.NewContextAsync(new() { JavaScriptEnabled = false });
        await using var _ = browser;
        var page = await browser.NewPageAsync();
        var returned = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync($"{OidcGrid.PartnerRedirect}**", async route =>
        {
            returned.TrySetResult(route.Request.Url);
            await route.FulfillAsync(new() { Status = 200, Body = "ok" });
        });
        var (_, challenge) = OidcClients.Pkce();

        await page.GotoAsync(Grid($"connect/authorize?client_id={OidcGrid.PartnerId}&redirect_uri={Uri.EscapeDataString(OidcGrid.PartnerRedirect)}&response_type=code&scope=openid%20profile&state=s&code_challenge={challenge}&code_challenge_method=S256"));
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();

        StringAssert.Contains(await returned.Task.WaitAsync(TimeSpan.FromSeconds(30)), "code=");
    }

    private static async Task CheckAccessibilityAsync(IPage page, string name)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        var violations = string.Join("\n", result.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))})"));
        Assert.IsEmpty(result.Violations, $"{name}: {violations}");
    }

    private static string ScreenPath(string file)
    {
        var folder = Environment.GetEnvironmentVariable(UpdateVariable) == "1"
            ? RepositoryFiles.PathOf("docs", "screens")
            : Path.Combine(RepositoryFiles.PathOf("TestResults"), "screens");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, file);
    }
}
