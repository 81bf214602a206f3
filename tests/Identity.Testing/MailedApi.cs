using System.Net;

namespace Identity.Testing;

/// <summary>
/// An in-process Api whose mail goes to a folder of its own (folder mode, as the default run):
/// the host, a client, the mail, and accounts whose address is proven as its owner would prove it —
/// with the code the verification mail carries. One per test class; dispose it at class cleanup.
/// </summary>
internal sealed class MailedApi : IAsyncDisposable
{
    public MailedApi(Dictionary<string, string?>? settings = null)
    {
        Host = new ApiHost(Mail.Settings().With(settings ?? []));
        Client = Host.CreateApiClient();
    }

    public TestMailFolder Mail { get; } = new();

    public ApiHost Host { get; }

    public HttpClient Client { get; }

    /// <summary>A new account, signed in once, whose address is proven with the mailed code.</summary>
    public async Task<(string Username, string Email, ApiTokens Tokens)> NewProvenAccountAsync()
    {
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.test";
        Assert.AreEqual(HttpStatusCode.Created, (await Client.RegisterAsync(username, email: email)).StatusCode);
        var tokens = await Client.LoginTokensAsync(username);
        var code = TestMailFolder.Code(await Mail.WaitForAsync(email, "Confirm your email address"));
        Assert.AreEqual(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", tokens.AccessToken, new { code })).StatusCode);
        return (username, email, tokens);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Mail.Dispose();
    }
}
