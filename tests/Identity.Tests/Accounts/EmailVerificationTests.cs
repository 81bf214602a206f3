using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Tests.Accounts;

/// <summary>
/// Proving an address (in folder mode, reading the mail the host writes): until proven it neither
/// signs in nor blocks anyone; the first account to prove it gets it; links and codes work once,
/// expire, and every failure reads the same.
/// </summary>
[TestClass]
public sealed class EmailVerificationTests
{
    private static MailedApi s_api = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_api = new MailedApi();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_api.DisposeAsync();

    [TestMethod]
    public async Task An_unproven_address_signs_in_nobody_until_its_mailed_code_proves_it()
    {
        var (_, email, tokens) = await RegisterAsync();
        var message = await s_api.Mail.WaitForAsync(email, "Confirm your email address");
        StringAssert.StartsWith(TestMailFolder.Link(message), "https://id.example.test/account/verify-email?ticket=igv_");

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(email)).StatusCode, "not proven yet");
        var account = await AccountAsync(tokens.AccessToken);
        Assert.AreEqual(JsonValueKind.Null, account.GetProperty("email").ValueKind);
        Assert.AreEqual(email, account.GetProperty("pendingEmail").GetString());

        var verified = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code = TestMailFolder.Code(message) });

        Assert.AreEqual(HttpStatusCode.OK, verified.StatusCode, await verified.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(email.ToUpperInvariant())).StatusCode);
        account = await AccountAsync(tokens.AccessToken);
        Assert.AreEqual(email, account.GetProperty("email").GetString());
        Assert.AreEqual(JsonValueKind.Null, account.GetProperty("pendingEmail").ValueKind);
        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code = TestMailFolder.Code(message) })).StatusCode, "a code works once");
    }

    [TestMethod]
    public async Task The_first_account_to_prove_an_address_gets_it_and_the_other_is_told_when_it_tries()
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        var (_, _, first) = await RegisterAsync(email);
        var (_, _, second) = await RegisterAsync(email);
        await s_api.Mail.WaitForAsync(email, "Confirm your email address", count: 2);
        var messages = s_api.Mail.To(email);
        Assert.HasCount(2, messages, "an unproven address blocks nobody from giving it too");

        // The second account proves it first, through the link (no session needed).
        var secondTicket = messages.Select(TestMailFolder.Ticket).Single(t => OwnerOf(t) == second.UserId);
        var byLink = await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = secondTicket });
        Assert.AreEqual(HttpStatusCode.OK, byLink.StatusCode, await byLink.Content.ReadAsStringAsync());

        var firstCode = TestMailFolder.Code(messages.Single(m => OwnerOf(TestMailFolder.Ticket(m)) == first.UserId));
        var late = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", first.Tokens.AccessToken, new { code = firstCode });

        Assert.AreEqual(HttpStatusCode.Conflict, late.StatusCode);
        StringAssert.Contains((await late.ProblemAsync()).GetProperty("detail").GetString(), "Another account proved this address first");
        Assert.AreEqual(JsonValueKind.Null, (await AccountAsync(first.Tokens.AccessToken)).GetProperty("pendingEmail").ValueKind, "the loser no longer waits for it");
        Assert.AreEqual(HttpStatusCode.Conflict, (await s_api.Client.RegisterAsync(GridScenario.UniqueName(), email: email)).StatusCode, "a proven address is taken");
    }

    [TestMethod]
    public async Task Wrong_codes_void_the_code_after_five_and_the_link_still_works()
    {
        var (_, email, tokens) = await RegisterAsync();
        var message = await s_api.Mail.WaitForAsync(email, "Confirm your email address");
        var code = TestMailFolder.Code(message);
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++)
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code = wrong })).StatusCode);
        }

        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code })).StatusCode, "void after five wrong");
        Assert.AreEqual(HttpStatusCode.OK, (await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = TestMailFolder.Ticket(message) })).StatusCode);
    }

    [TestMethod]
    public async Task A_code_expires_after_fifteen_minutes_and_a_link_after_a_day_and_a_resend_replaces_both()
    {
        var (_, email, tokens) = await RegisterAsync();
        var first = await s_api.Mail.WaitForAsync(email, "Confirm your email address");
        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code = TestMailFolder.Code(first) })).StatusCode, "code expired");

        var fresh = await s_api.Client.LoginTokensAsync(tokens.Username);
        Assert.AreEqual(HttpStatusCode.Accepted, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verification", fresh.AccessToken)).StatusCode);
        var second = await s_api.Mail.WaitForAsync(email, "Confirm your email address", count: 2);
        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = TestMailFolder.Ticket(first) })).StatusCode, "a resend voids the old link");

        s_api.Host.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = TestMailFolder.Ticket(second) })).StatusCode, "link expired");
    }

    [TestMethod]
    public async Task Every_link_that_does_not_work_gets_the_same_answer()
    {
        var (_, email, _) = await RegisterAsync();
        var real = TestMailFolder.Ticket(await s_api.Mail.WaitForAsync(email, "Confirm your email address"));
        var strangersAccount = "igv_" + System.Buffers.Text.Base64Url.EncodeToString([.. Guid.NewGuid().ToByteArray(), .. new byte[32]]);
        var wrongSecret = real[..^4] + (real[^4..] == "AAAA" ? "BBBB" : "AAAA");
        var resetKind = "igp_" + real[4..];

        var answers = new List<string>();
        foreach (var ticket in new[] { strangersAccount, wrongSecret, resetKind, "igv_not-a-ticket" })
        {
            var response = await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket });
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            answers.Add(await response.ProblemWithoutTraceAsync());
        }

        Assert.HasCount(1, answers.Distinct(), string.Join(" | ", answers));
        Assert.AreEqual(HttpStatusCode.OK, (await s_api.Client.PostAsJsonAsync("/v1/email-verifications", new { ticket = real })).StatusCode, "none of that spent the real link");
    }

    [TestMethod]
    public async Task Changing_the_address_needs_a_recent_sign_in_keeps_the_old_one_until_the_new_is_proven_and_tells_the_old()
    {
        var (_, email, tokens) = await RegisterAsync();
        await ProveAsync(email, tokens.AccessToken);
        var newEmail = $"{Guid.NewGuid():N}@example.test";

        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(6));
        var stale = await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/email", tokens.AccessToken, new { email = newEmail });
        Assert.AreEqual(HttpStatusCode.Forbidden, stale.StatusCode);
        Assert.AreEqual("urn:identity-grid:problem:reauthentication-required", (await stale.ProblemAsync()).GetProperty("type").GetString());

        var again = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate", tokens.AccessToken, new { password = GridScenario.Password });
        Assert.AreEqual(HttpStatusCode.OK, again.StatusCode, await again.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.Accepted, (await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/email", tokens.AccessToken, new { email = newEmail })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(email)).StatusCode, "the old address works until the new one is proven");

        await ProveAsync(newEmail, tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.LoginAsync(email)).StatusCode, "the old address is released");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(newEmail)).StatusCode);
        var notice = await s_api.Mail.WaitForAsync(email, "email address was changed");
        StringAssert.Contains(notice.TextBody, newEmail[..2] + "…@example.test");
        Assert.DoesNotContain(newEmail, notice.TextBody, "the old mailbox sees a masked address only");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.RegisterAsync(GridScenario.UniqueName(), email: email)).StatusCode, "the old address is free for others");
    }

    private static Guid OwnerOf(string ticket) => Identity.Contracts.Users.AccountTicket.TryRead(ticket, Identity.Contracts.Users.AccountTicket.EmailVerification, out var userId, out _) ? userId : Guid.Empty;

    private static async Task ProveAsync(string email, string accessToken)
    {
        var count = s_api.Mail.To(email).Count(m => m.Subject?.Contains("Confirm your email address", StringComparison.Ordinal) == true);
        var message = await s_api.Mail.WaitForAsync(email, "Confirm your email address", count: Math.Max(count, 1));
        var response = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", accessToken, new { code = TestMailFolder.Code(message) });
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> AccountAsync(string accessToken)
    {
        var response = await s_api.Client.SendAsync(HttpMethod.Get, "/v1/users/me", accessToken);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<(string Username, string Email, SignedUp Account)> RegisterAsync(string? email = null)
    {
        var username = GridScenario.UniqueName();
        email ??= $"{username}@example.test";
        var response = await s_api.Client.RegisterAsync(username, email: email);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(email, created.GetProperty("pendingEmail").GetString());
        return (username, email, new SignedUp(created.GetProperty("userId").GetGuid(), username, await s_api.Client.LoginTokensAsync(username)));
    }

    private sealed record SignedUp(Guid UserId, string Username, ApiTokens Tokens)
    {
        public string AccessToken => Tokens.AccessToken;
    }
}
