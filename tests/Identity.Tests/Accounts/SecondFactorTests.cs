using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Identity.Contracts.Users;
using Identity.Testing;
using OtpNet;

namespace Identity.Tests.Accounts;

/// <summary>
/// An authenticator app and recovery codes: enrolment, the two-step sign-in, replay and guessing
/// refused, step-up before removing a factor or changing the password, and <c>amr</c> on the session.
/// Codes are computed from the enrolled secret at the host's (fake) clock.
/// </summary>
[TestClass]
public sealed class SecondFactorTests
{
    private const string Introspector = "orders";
    private const string IntrospectorSecret = "orders-secret-0123456789";
    private static MailedApi s_api = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_api = new MailedApi(ClientSettings.Introspection((Introspector, IntrospectorSecret)));
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_api.DisposeAsync();

    [TestMethod]
    public async Task An_enrolled_app_makes_sign_in_ask_for_its_code_and_the_session_says_how_it_was_signed_in()
    {
        var account = await NewAccountAsync();
        var begun = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", account.Tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, begun.StatusCode, await begun.Content.ReadAsStringAsync());
        var enrolment = await begun.Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Encoding.ToBytes(enrolment.GetProperty("secret").GetString());
        var uri = enrolment.GetProperty("otpauthUri").GetString()!;
        StringAssert.StartsWith(uri, $"otpauth://totp/");
        StringAssert.Contains(uri, account.Username);
        StringAssert.Contains(uri, "issuer=Identity%20Grid");
        StringAssert.Contains(enrolment.GetProperty("qrCodeSvg").GetString(), "<svg");
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(account.Username)).StatusCode, "not asked before it is confirmed");

        var wrong = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", account.Tokens.AccessToken, new { code = WrongCode(secret) });
        Assert.AreEqual(HttpStatusCode.BadRequest, wrong.StatusCode);
        var confirmed = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", account.Tokens.AccessToken, new { code = Code(secret) });
        Assert.AreEqual(HttpStatusCode.OK, confirmed.StatusCode, await confirmed.Content.ReadAsStringAsync());
        var recoveryCodes = (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.HasCount(10, recoveryCodes);
        Assert.HasCount(10, recoveryCodes.Distinct());
        Assert.IsTrue(recoveryCodes.All(c => System.Text.RegularExpressions.Regex.IsMatch(c, "^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")), string.Join(" ", recoveryCodes));
        StringAssert.Contains((await s_api.Mail.WaitForAsync(account.Email, "sign-in protection changed")).TextBody, "An authenticator app was added");

        var challenge = await ChallengeAsync(account.Username);
        CollectionAssert.AreEqual(new[] { "totp", "recovery_code" }, challenge.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToArray());
        Assert.AreEqual(300, challenge.GetProperty("expiresIn").GetInt64());
        Assert.IsFalse(challenge.TryGetProperty("accessToken", out _), "no session before the second factor");

        s_api.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var tokens = await CompleteAsync(challenge, new { code = Code(secret) });

        var current = await (await s_api.Client.GetCurrentAsync(tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        CollectionAssert.AreEqual(new[] { "pwd", "otp", "mfa" }, Strings(current.GetProperty("amr")));
        var introspected = await IntrospectAsync(tokens.AccessToken);
        CollectionAssert.AreEqual(new[] { "pwd", "otp", "mfa" }, Strings(introspected.GetProperty("amr")));
        var listed = await (await s_api.Client.SendAsync(HttpMethod.Get, "/v1/users/me/sessions", tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var sessions = listed.GetProperty("sessions").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "pwd" }, Strings(sessions.Single(s => s.GetProperty("sessionId").GetGuid() == account.Tokens.SessionId).GetProperty("amr")));
        CollectionAssert.AreEqual(new[] { "pwd", "otp", "mfa" }, Strings(sessions.Single(s => s.GetProperty("current").GetBoolean()).GetProperty("amr")));
    }

    [TestMethod]
    public async Task A_used_code_is_refused_again_and_wrong_codes_count_like_wrong_passwords_and_void_the_ticket()
    {
        var account = await NewAccountAsync();
        var (secret, _) = await EnrolAsync(account.Tokens.AccessToken);
        s_api.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var code = Code(secret);
        await CompleteAsync(await ChallengeAsync(account.Username), new { code });

        var replay = await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(await ChallengeAsync(account.Username)), code });
        Assert.AreEqual(HttpStatusCode.Unauthorized, replay.StatusCode, "a code is used once, within its window too");

        var challenge = await ChallengeAsync(account.Username);
        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(challenge), code = WrongCode(secret) });
            Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
            answers.Add(await wrong.ProblemWithoutTraceAsync());
        }

        s_api.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var late = await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(challenge), code = Code(secret) });
        Assert.AreEqual(HttpStatusCode.Unauthorized, late.StatusCode, "five wrong codes void the ticket");
        answers.Add(await late.ProblemWithoutTraceAsync());
        Assert.HasCount(1, answers.Distinct(), "one answer for every refusal");

        var throttle = await s_api.Host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(account.UserId).GetLoginThrottleStatusAsync();
        // The replay and four wrong codes were checked and counted; the fifth came while the address
        // had to wait (five failures), and was refused unchecked — as a password would be.
        Assert.AreEqual(5, throttle.AccountFailures);
        Assert.AreEqual(5, throttle.SourceFailures.Values.Single());
    }

    [TestMethod]
    public async Task A_ticket_expires_after_five_minutes_and_belongs_to_its_account()
    {
        var account = await NewAccountAsync();
        var (secret, _) = await EnrolAsync(account.Tokens.AccessToken);
        var other = await NewAccountAsync();
        await EnrolAsync(other.Tokens.AccessToken);
        var challenge = await ChallengeAsync(account.Username);
        var forOther = "igm_" + System.Buffers.Text.Base64Url.EncodeToString([.. other.UserId.ToByteArray(), .. System.Buffers.Text.Base64Url.DecodeFromChars(Ticket(challenge).AsSpan(4))[16..]]);

        s_api.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = forOther, code = Code(secret) })).StatusCode);
        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(challenge), code = Code(secret) })).StatusCode);
    }

    [TestMethod]
    public async Task A_recovery_code_signs_in_once()
    {
        var account = await NewAccountAsync();
        var (_, recoveryCodes) = await EnrolAsync(account.Tokens.AccessToken);

        var tokens = await CompleteAsync(await ChallengeAsync(account.Username), new { recoveryCode = recoveryCodes[3].ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal) });

        var current = await (await s_api.Client.GetCurrentAsync(tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        CollectionAssert.AreEqual(new[] { "pwd", "recovery_code", "mfa" }, Strings(current.GetProperty("amr")));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(await ChallengeAsync(account.Username)), recoveryCode = recoveryCodes[3] })).StatusCode);
        var me = await (await s_api.Client.SendAsync(HttpMethod.Get, "/v1/users/me", tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual(9, me.GetProperty("recoveryCodesLeft").GetInt32());
    }

    [TestMethod]
    public async Task Removing_the_app_needs_a_recent_sign_in_with_both_factors_and_then_the_password_is_enough()
    {
        var account = await NewAccountAsync();
        var (secret, _) = await EnrolAsync(account.Tokens.AccessToken);
        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(6));

        var stale = await s_api.Client.SendAsync(HttpMethod.Delete, "/v1/users/me/totp", account.Tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.Forbidden, stale.StatusCode);
        Assert.AreEqual("urn:identity-grid:problem:reauthentication-required", (await stale.ProblemAsync()).GetProperty("type").GetString());

        var passwordOnly = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate", account.Tokens.AccessToken, new { password = GridScenario.Password });
        Assert.AreEqual(HttpStatusCode.BadRequest, passwordOnly.StatusCode);
        CollectionAssert.AreEqual(new[] { "code" }, (await passwordOnly.ErrorFieldsAsync()).ToArray());
        var wrongPassword = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate", account.Tokens.AccessToken, new { password = "not the password", code = Code(secret) });
        Assert.AreEqual(HttpStatusCode.Forbidden, wrongPassword.StatusCode);

        var both = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate", account.Tokens.AccessToken, new { password = GridScenario.Password, code = Code(secret) });
        Assert.AreEqual(HttpStatusCode.OK, both.StatusCode, await both.Content.ReadAsStringAsync());
        CollectionAssert.AreEqual(new[] { "pwd", "otp", "mfa" }, Strings((await both.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("amr")));

        Assert.AreEqual(HttpStatusCode.NoContent, (await s_api.Client.SendAsync(HttpMethod.Delete, "/v1/users/me/totp", account.Tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, (await s_api.Client.LoginAsync(account.Username)).StatusCode);
        StringAssert.Contains((await s_api.Mail.WaitForAsync(account.Email, "sign-in protection changed", count: 2)).TextBody, "were removed", "after the one for adding it");
    }

    [TestMethod]
    public async Task New_recovery_codes_void_the_old_ones()
    {
        var account = await NewAccountAsync();
        var (_, old) = await EnrolAsync(account.Tokens.AccessToken);

        var regenerated = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/recovery-codes", account.Tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, regenerated.StatusCode);
        var fresh = (await regenerated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", new { ticket = Ticket(await ChallengeAsync(account.Username)), recoveryCode = old[0] })).StatusCode);
        await CompleteAsync(await ChallengeAsync(account.Username), new { recoveryCode = fresh[0] });
    }

    [TestMethod]
    public async Task Changing_the_password_needs_a_recent_sign_in()
    {
        var account = await NewAccountAsync();
        s_api.Host.Clock.Advance(TimeSpan.FromMinutes(6));
        var change = new { currentPassword = GridScenario.Password, newPassword = "another long passphrase for this account 7731" };

        Assert.AreEqual(HttpStatusCode.Forbidden, (await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/password", account.Tokens.AccessToken, change)).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate", account.Tokens.AccessToken, new { password = GridScenario.Password })).StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_api.Client.SendAsync(HttpMethod.Put, "/v1/users/me/password", account.Tokens.AccessToken, change)).StatusCode);
    }

    [TestMethod]
    public async Task Missing_or_malformed_fields_of_the_account_endpoints_are_a_400_problem_naming_each_field()
    {
        var account = await NewAccountAsync();
        var token = account.Tokens.AccessToken;
        (HttpMethod Method, string Path, string? Token, object Body, string[] Fields)[] cases =
        [
            (HttpMethod.Put, "/v1/users/me/email", token, new { }, ["email"]),
            (HttpMethod.Put, "/v1/users/me/email", token, new { email = "not-an-email" }, ["email"]),
            (HttpMethod.Post, "/v1/users/me/email/verify", token, new { }, ["code"]),
            (HttpMethod.Post, "/v1/email-verifications", null, new { }, ["ticket"]),
            (HttpMethod.Post, "/v1/password-resets", null, new { }, ["email"]),
            (HttpMethod.Post, "/v1/password-resets/complete", null, new { ticket = "igp_x" }, ["newPassword"]),
            (HttpMethod.Post, "/v1/users/me/totp/confirm", token, new { }, ["code"]),
            (HttpMethod.Post, "/v1/sessions/second-factor", null, new { }, ["code", "ticket"]),
            (HttpMethod.Post, "/v1/sessions/second-factor", null, new { ticket = "igm_x", code = "123456", recoveryCode = "AAAA-AAAA-AAAA-AAAA" }, ["code"]),
            (HttpMethod.Post, "/v1/sessions/second-factor/passkey-options", null, new { }, ["ticket"]),
            (HttpMethod.Post, "/v1/sessions/current/reauthenticate", token, new { }, ["password"]),
            (HttpMethod.Post, "/v1/users/me/passkeys", token, new { }, ["credential"]),
        ];

        foreach (var (method, path, bearer, body, fields) in cases)
        {
            var response = await s_api.Client.SendAsync(method, path, bearer, body);
            var what = $"{method} {path} {JsonSerializer.Serialize(body)}";
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, what);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, what);
            CollectionAssert.AreEquivalent(fields, (await response.ErrorFieldsAsync()).ToArray(), what);
        }
    }

    [TestMethod]
    public async Task Malformed_passkey_credentials_are_refused_with_a_clear_answer_never_a_500()
    {
        var account = await NewAccountAsync();
        var clientData = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes("{\"type\":\"webauthn.get\",\"challenge\":\"AAAA\"}"));
        var forged = new
        {
            id = "AAAA",
            rawId = "AAAA",
            type = "public-key",
            response = new { clientDataJSON = clientData, authenticatorData = "AAAA", signature = "AAAA", userHandle = System.Buffers.Text.Base64Url.EncodeToString(account.UserId.ToByteArray()) },
        };
        object[] credentials = [forged, new { id = 1 }, new { response = new { clientDataJSON = "not base64 at all!" } }];

        foreach (var credential in credentials)
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_api.Client.PostAsJsonAsync("/v1/sessions/passkey", new { credential })).StatusCode, JsonSerializer.Serialize(credential));
        }

        Assert.AreEqual(HttpStatusCode.BadRequest, (await s_api.Client.PostAsJsonAsync("/v1/sessions/passkey", new { credential = "a string" })).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/passkeys/options", account.Tokens.AccessToken)).StatusCode);
        var registered = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/passkeys", account.Tokens.AccessToken, new { credential = forged });
        Assert.AreEqual(HttpStatusCode.BadRequest, registered.StatusCode);
        CollectionAssert.AreEqual(new[] { "credential" }, (await registered.ErrorFieldsAsync()).ToArray());
    }

    private static string Code(byte[] secret) => new Totp(secret).ComputeTotp(s_api.Host.Clock.GetUtcNow().UtcDateTime);

    /// <summary>A code that is none of the three the window accepts now.</summary>
    private static string WrongCode(byte[] secret)
    {
        var totp = new Totp(secret);
        var now = s_api.Host.Clock.GetUtcNow().UtcDateTime;
        var accepted = new[] { -30, 0, 30 }.Select(s => totp.ComputeTotp(now.AddSeconds(s))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !accepted.Contains(c));
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static string Ticket(JsonElement challenge) => challenge.GetProperty("secondFactorTicket").GetString()!;

    private static async Task<JsonElement> ChallengeAsync(string username)
    {
        var response = await s_api.Client.LoginAsync(username);
        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual("no-store", response.Headers.CacheControl?.ToString());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<ApiTokens> CompleteAsync(JsonElement challenge, object factor)
    {
        var body = JsonSerializer.SerializeToElement(factor);
        var request = new Dictionary<string, object?> { ["ticket"] = Ticket(challenge) };
        foreach (var property in body.EnumerateObject())
        {
            request[property.Name] = property.Value.GetString();
        }

        var response = await s_api.Client.PostAsJsonAsync("/v1/sessions/second-factor", request);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiTokens>())!;
    }

    /// <summary>Adds and confirms an app; returns its secret and the recovery codes.</summary>
    private static async Task<(byte[] Secret, List<string> RecoveryCodes)> EnrolAsync(string accessToken)
    {
        var begun = await (await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", accessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Encoding.ToBytes(begun.GetProperty("secret").GetString());
        var confirmed = await s_api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", accessToken, new { code = Code(secret) });
        Assert.AreEqual(HttpStatusCode.OK, confirmed.StatusCode, await confirmed.Content.ReadAsStringAsync());
        var codes = (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        return (secret, codes);
    }

    private static async Task<JsonElement> IntrospectAsync(string accessToken)
    {
        var response = await s_api.Client.IntrospectAsync(new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = accessToken }), $"{Introspector}:{IntrospectorSecret}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<(Guid UserId, string Username, string Email, ApiTokens Tokens)> NewAccountAsync()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        var userId = await s_api.Host.RegisterWithProvenEmailAsync(s_api.Client, username, email);
        return (userId, username, email, await s_api.Client.LoginTokensAsync(username));
    }
}
