using System.Net;
using Identity.Testing;
using Npgsql;
using static Identity.Testing.OidcClients;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// The OpenID Provider on PostgreSQL: its codes and consents persist, but checking one of its
/// access tokens — at user info or by introspection — stays a memory lookup: zero SQL statements.
/// </summary>
[TestClass]
public sealed class OidcZeroSqlTests
{
    private const string Introspector = "orders:orders-secret-0123456789";

    [TestMethod]
    public async Task Checking_an_active_oauth_access_token_a_thousand_times_executes_zero_sql_statements()
    {
        var connection = await TestPostgres.CreateDatabaseAsync();
        await using var host = new ApiHost(Settings().With(new Dictionary<string, string?>
        {
            ["Storage:Mode"] = "PostgreSql",
            ["ConnectionStrings:Identity"] = connection,
        }).With(ClientSettings.Introspection(("orders", "orders-secret-0123456789"))));
        var server = host.CreateApiClient();
        await using var database = NpgsqlDataSource.Create(connection);
        await using (var extension = database.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        {
            await extension.ExecuteNonQueryAsync();
        }

        var username = GridScenario.UniqueName();
        (await server.RegisterAsync(username)).EnsureSuccessStatusCode();
        var browser = new FormBrowser(server);
        var (verifier, challenge) = Pkce();
        var page = await browser.FollowAsync(await browser.GetAsync($"/connect/authorize?client_id={WebAppId}&redirect_uri={Uri.EscapeDataString(WebRedirect)}&response_type=code&scope=openid%20profile&state=s&code_challenge={challenge}&code_challenge_method=S256"));
        var back = await browser.SubmitAsync(page, ("username", username), ("password", GridScenario.Password));
        back = await browser.FollowAsync(back);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(browser.Location(back).Query)["code"].ToString();
        var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", WebRedirect), new("code_verifier", verifier), new("client_id", WebAppId), new("client_secret", WebSecret)]),
        };
        var answer = await (await server.SendAsync(tokenRequest)).Content.ReadAsStringAsync();
        var accessToken = System.Text.Json.JsonDocument.Parse(answer).RootElement.GetProperty("access_token").GetString()!;
        Assert.AreEqual(HttpStatusCode.OK, (await UserInfoAsync(server, accessToken)).StatusCode);
        var before = await StatementsExecutedAsync(database);

        for (var i = 0; i < 500; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await UserInfoAsync(server, accessToken)).StatusCode);
            var introspection = await server.IntrospectAsync(new FormUrlEncodedContent([new("token", accessToken)]), Introspector);
            StringAssert.Contains(await introspection.Content.ReadAsStringAsync(), "\"active\":true");
        }

        Assert.AreEqual(before, await StatementsExecutedAsync(database), "a check of an active OAuth access token is answered from memory");
    }

    private static Task<HttpResponseMessage> UserInfoAsync(HttpClient server, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        return server.SendAsync(request);
    }

    /// <summary>
    /// Statements other than cluster membership and this measurement's own (an Api host on
    /// PostgreSQL reads the membership table every few seconds, which no check causes; the
    /// measuring connection is reset with DISCARD ALL). Everything else — grain state reads and
    /// writes of users, sessions, codes — counts.
    /// </summary>
    private static async Task<long> StatementsExecutedAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("""
            SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%membership%' AND query <> 'DISCARD ALL'
            """);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
