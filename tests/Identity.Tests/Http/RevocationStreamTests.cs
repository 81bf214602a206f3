using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary><c>GET /v1/revocations</c>: the push revocation stream services follow.</summary>
[TestClass]
public sealed class RevocationStreamTests
{
    private const string ClientId = "orders-service";
    private const string ClientSecret = "v3ry-l0ng-random-secret-for-the-orders-service";
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost(ClientSettings.Introspection((ClientId, ClientSecret)));
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task A_client_hears_ready_then_the_id_of_each_session_that_ends()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await OpenAsync($"{ClientId}:{ClientSecret}", timeout.Token);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token), static (_, data) => Encoding.UTF8.GetString(data))
            .EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.AreEqual("ready", await NextAsync(events));
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

        Assert.AreEqual("ended", await NextAsync(events));
        Assert.AreEqual(tokens.SessionId.ToString(), events.Current.Data);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow(ClientId + ":wrong")]
    public async Task Without_client_credentials_there_is_no_stream(string? credentials)
    {
        using var response = await OpenAsync(credentials, CancellationToken.None);

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.AreEqual("invalid_client", (await response.ProblemAsync()).GetProperty("error").GetString());
    }

    [TestMethod]
    public async Task A_client_holds_at_most_sixteen_streams_and_gets_one_back_when_it_closes_one()
    {
        await using var host = new ApiHost(ClientSettings.Introspection((ClientId, ClientSecret)));
        using var client = host.CreateApiClient();
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                open.Add(await OpenAsync(client, $"{ClientId}:{ClientSecret}", CancellationToken.None));
                Assert.AreEqual(HttpStatusCode.OK, open[^1].StatusCode);
            }

            using var refused = await OpenAsync(client, $"{ClientId}:{ClientSecret}", CancellationToken.None);
            Assert.AreEqual(HttpStatusCode.TooManyRequests, refused.StatusCode);

            open[0].Dispose();
            // The server notices the closed connection, then the place is free.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                using var again = await OpenAsync(client, $"{ClientId}:{ClientSecret}", CancellationToken.None);
                if (again.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                Assert.IsLessThan(deadline, DateTime.UtcNow, "a closed stream frees its place");
                await Task.Delay(50);
            }
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }
    }

    private static async Task<string> NextAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        do
        {
            Assert.IsTrue(await events.MoveNextAsync(), "the stream ended");
        }
        while (events.Current.EventType == "heartbeat");

        return events.Current.EventType;
    }

    private static Task<HttpResponseMessage> OpenAsync(string? credentials, CancellationToken cancellationToken) => OpenAsync(s_client, credentials, cancellationToken);

    private static Task<HttpResponseMessage> OpenAsync(HttpClient client, string? credentials, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/revocations");
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}
