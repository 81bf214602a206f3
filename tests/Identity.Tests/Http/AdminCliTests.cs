using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Cli;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>The operators' command line (<c>src/Cli</c>) against a real Api: each command does what its admin API call does.</summary>
[TestClass]
public sealed class AdminCliTests
{
    private const string OperatorId = "support-bob";
    private const string OperatorSecret = "cli-secret-0123456789abcdef-0123456789";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(ClientSettings.Operators((OperatorId, OperatorSecret)));
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task Stop() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Disable_by_username_ends_the_sessions_and_show_by_email_reports_it()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.com";
        await s_host.RegisterWithProvenEmailAsync(s_client, username, email);
        var tokens = await s_client.LoginTokensAsync(username);

        var (disabled, disableOutput, _) = await RunAsync("users", "disable", username);
        var (shown, showOutput, _) = await RunAsync("users", "show", email);

        Assert.AreEqual(0, disabled, disableOutput);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(0, shown);
        var account = JsonDocument.Parse(showOutput).RootElement;
        Assert.AreEqual("disabled", account.GetProperty("status").GetString());
        Assert.AreEqual(username, account.GetProperty("username").GetString());
    }

    [TestMethod]
    public async Task Reset_second_factors_lets_an_owner_who_lost_the_app_sign_in_with_the_password()
    {
        var (username, tokens) = await s_client.SignUpAndLoginAsync();
        var begun = await (await s_client.SendAsync(HttpMethod.Post, "/v1/users/me/totp", tokens.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var code = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(begun.GetProperty("secret").GetString())).ComputeTotp(s_host.Clock.GetUtcNow().UtcDateTime);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.SendAsync(HttpMethod.Post, "/v1/users/me/totp/confirm", tokens.AccessToken, new { code })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Accepted, (await s_client.LoginAsync(username)).StatusCode);

        var (exit, output, _) = await RunAsync("users", "reset-second-factors", username);

        Assert.AreEqual(0, exit, output);
        Assert.IsFalse(JsonDocument.Parse(output).RootElement.GetProperty("secondFactor").GetBoolean());
        Assert.AreEqual(HttpStatusCode.Created, (await s_client.LoginAsync(username)).StatusCode);
    }

    [TestMethod]
    public async Task Sessions_are_listed_and_ended_by_account_id()
    {
        var (username, first) = await s_client.SignUpAndLoginAsync();
        await s_client.LoginTokensAsync(username);
        var (_, showOutput, _) = await RunAsync("users", "show", username);
        var userId = JsonDocument.Parse(showOutput).RootElement.GetProperty("userId").GetString()!;

        var (listed, listOutput, _) = await RunAsync("users", "sessions", userId);
        var (endedOne, _, _) = await RunAsync("users", "end-sessions", userId, first.SessionId.ToString());
        var (endedAll, allOutput, _) = await RunAsync("users", "end-sessions", userId);

        Assert.AreEqual(0, listed);
        Assert.AreEqual(2, JsonDocument.Parse(listOutput).RootElement.GetProperty("sessions").GetArrayLength());
        Assert.AreEqual(0, endedOne);
        Assert.AreEqual(0, endedAll);
        Assert.AreEqual(1, JsonDocument.Parse(allOutput).RootElement.GetProperty("ended").GetInt32());
    }

    [TestMethod]
    public async Task Erase_needs_yes_and_then_the_account_is_gone()
    {
        var (username, _) = await s_client.SignUpAndLoginAsync();

        var (refused, _, refusal) = await RunAsync("users", "erase", username);
        var (erased, _, _) = await RunAsync("users", "erase", username, "--yes");
        var (missing, _, notFound) = await RunAsync("users", "show", username);

        Assert.AreEqual(2, refused);
        StringAssert.Contains(refusal, "--yes");
        Assert.AreEqual(0, erased);
        Assert.AreEqual(1, missing);
        StringAssert.StartsWith(notFound, "404 ");
    }

    [TestMethod]
    public async Task Wrong_usage_missing_or_wrong_credentials_are_told_apart()
    {
        var (usage, _, usageText) = await RunAsync("users", "frobnicate", "alice");
        var (noCredentials, _, credentialsText) = await RunAsync(new Dictionary<string, string?>(), "users", "show", "alice");
        var (wrong, _, wrongText) = await RunAsync(new Dictionary<string, string?> { ["IDENTITY_OPERATOR"] = OperatorId, ["IDENTITY_OPERATOR_SECRET"] = "guess" }, "users", "show", "alice");

        Assert.AreEqual(2, usage);
        StringAssert.Contains(usageText, "usage: identity users");
        Assert.AreEqual(2, noCredentials);
        StringAssert.Contains(credentialsText, "IDENTITY_OPERATOR");
        Assert.AreEqual(1, wrong);
        StringAssert.StartsWith(wrongText, "401 ");
    }

    private static Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["IDENTITY_OPERATOR"] = OperatorId, ["IDENTITY_OPERATOR_SECRET"] = OperatorSecret }, args);

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        environment["IDENTITY_URL"] = s_client.BaseAddress!.ToString();
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exitCode = await AdminCommands.RunAsync(args, name => environment.GetValueOrDefault(name), output, errors);
        return (exitCode, output.ToString(), errors.ToString());
    }
}
