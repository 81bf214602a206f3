using System.Net;
using System.Text.Json;
using Identity.IntegrationTests.OpenIdConnect;
using Identity.Testing;
using Microsoft.Playwright;

namespace Identity.IntegrationTests.Passkeys;

/// <summary>
/// Passkeys end to end: a real Api process, headless Chromium with a CDP virtual authenticator
/// (CTAP2, resident keys, user verification) making and using credentials through
/// <c>navigator.credentials</c> — registered, then signing in alone, as a second factor after the
/// password, and refused when replayed. The page is the Api's own origin on <c>localhost</c> (the
/// relying party), as a site's script would run.
/// </summary>
[TestClass]
public sealed class PasskeyBrowserTests
{
    private static readonly int Port = Ports.Free();
    private static GridProcess s_grid = null!;

    private static string Origin => $"http://localhost:{Port}";

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await GridProcess.StartApiAsync(
        new Dictionary<string, string>
        {
            ["Storage__Mode"] = "Memory",
            ["Passkeys__RelyingPartyId"] = "localhost",
            ["Passkeys__RelyingPartyName"] = "Example Identity",
            ["Passkeys__Origins__0"] = Origin,
        },
        port: Port);

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task A_passkey_made_in_the_browser_signs_in_alone_and_as_a_second_factor_and_never_twice_with_one_answer()
    {
        var (username, password) = (GridScenario.UniqueName(), GridScenario.Password);
        Assert.AreEqual(HttpStatusCode.Created, (await s_grid.Client.RegisterAsync(username)).StatusCode);
        var tokens = await s_grid.Client.LoginTokensAsync(username);
        await using var context = await HeadlessChromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await AddAuthenticatorAsync(context, page);
        await page.GotoAsync($"{Origin}/health/ready");

        // Made: options from the grid, navigator.credentials.create, the credential back.
        var added = await RunAsync(page, """
            async ({ token }) => {
              const auth = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
              const options = await (await fetch('/v1/users/me/passkeys/options', { method: 'POST', headers: auth })).json();
              const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
              const response = await fetch('/v1/users/me/passkeys', { method: 'POST', headers: auth, body: JSON.stringify({ credential: credential.toJSON(), name: 'Test laptop' }) });
              return { status: response.status, body: await response.json() };
            }
            """, new { token = tokens.AccessToken });
        Assert.AreEqual(201, added.GetProperty("status").GetInt32(), added.ToString());
        Assert.AreEqual("Test laptop", added.GetProperty("body").GetProperty("passkey").GetProperty("name").GetString());
        Assert.AreEqual(10, added.GetProperty("body").GetProperty("recoveryCodes").GetArrayLength(), "the first second factor brings recovery codes");

        // Alone: any passkey of the site, user verified; the account found by the credential's user handle.
        var alone = await RunAsync(page, """
            async () => {
              const options = await (await fetch('/v1/sessions/passkey/options', { method: 'POST' })).json();
              const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
              const body = JSON.stringify({ credential: credential.toJSON() });
              const first = await fetch('/v1/sessions/passkey', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
              const replay = await fetch('/v1/sessions/passkey', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
              return { status: first.status, body: await first.json(), replay: replay.status };
            }
            """);
        Assert.AreEqual(201, alone.GetProperty("status").GetInt32(), alone.ToString());
        Assert.AreEqual(401, alone.GetProperty("replay").GetInt32(), "one answer signs in once");
        CollectionAssert.AreEqual(new[] { "hwk", "mfa" }, await AmrAsync(alone.GetProperty("body").GetProperty("accessToken").GetString()!));

        // After the password: 202, then the passkey for that sign-in.
        var second = await RunAsync(page, """
            async ({ username, password }) => {
              const json = { 'Content-Type': 'application/json' };
              const challenge = await (await fetch('/v1/sessions', { method: 'POST', headers: json, body: JSON.stringify({ username, password }) })).json();
              const options = await (await fetch('/v1/sessions/second-factor/passkey-options', { method: 'POST', headers: json, body: JSON.stringify({ ticket: challenge.secondFactorTicket }) })).json();
              const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
              const response = await fetch('/v1/sessions/second-factor', { method: 'POST', headers: json, body: JSON.stringify({ ticket: challenge.secondFactorTicket, passkey: credential.toJSON() }) });
              return { methods: challenge.methods, status: response.status, body: await response.json() };
            }
            """, new { username, password });
        CollectionAssert.AreEqual(new[] { "passkey", "recovery_code" }, second.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToArray());
        Assert.AreEqual(201, second.GetProperty("status").GetInt32(), second.ToString());
        CollectionAssert.AreEqual(new[] { "pwd", "hwk", "mfa" }, await AmrAsync(second.GetProperty("body").GetProperty("accessToken").GetString()!));

        // Removed (the sign-in is recent): the password alone signs in again.
        var passkeyId = added.GetProperty("body").GetProperty("passkey").GetProperty("id").GetString()!;
        var fresh = second.GetProperty("body").GetProperty("accessToken").GetString()!;
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_grid.Client.SendAsync(HttpMethod.Delete, $"/v1/users/me/passkeys/{passkeyId}", fresh)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_grid.Client.LoginAsync(username)).StatusCode);
    }

    [TestMethod]
    public async Task The_pages_add_a_passkey_and_sign_in_with_it_at_the_press_of_a_button()
    {
        var username = GridScenario.UniqueName();
        Assert.AreEqual(HttpStatusCode.Created, (await s_grid.Client.RegisterAsync(username)).StatusCode);
        await using var context = await HeadlessChromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await AddAuthenticatorAsync(context, page);

        await page.GotoAsync($"{Origin}/account/login?returnUrl=%2Faccount%2Fsecurity");
        await page.GetByLabel("Username or email").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(GridScenario.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign-in security");
        await page.GetByLabel("Name for a new passkey").FillAsync("Test laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your recovery codes");
        StringAssert.Contains(await page.ContentAsync(), "Test laptop");

        await context.ClearCookiesAsync();
        await page.GotoAsync($"{Origin}/account/login?returnUrl=%2Faccount");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your devices");
        StringAssert.Contains(await page.ContentAsync(), username);
    }

    /// <summary>A CTAP2 platform authenticator with resident keys and user verification, that answers without a person.</summary>
    private static async Task AddAuthenticatorAsync(IBrowserContext context, IPage page)
    {
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
    }

    private static async Task<JsonElement> RunAsync(IPage page, string script, object? argument = null) =>
        (await page.EvaluateAsync<JsonElement?>(script, argument)) ?? throw new AssertFailedException("The script returned nothing.");

    private static async Task<string[]> AmrAsync(string accessToken)
    {
        var current = await s_grid.Client.GetCurrentAsync(accessToken);
        Assert.AreEqual(HttpStatusCode.OK, current.StatusCode);
        return [.. (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JsonElement>(current.Content)).GetProperty("amr").EnumerateArray().Select(e => e.GetString()!)];
    }
}
