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

        var (_, _, tokens) = await OidcFlow.SignInAsync(server, WebAppId, WebRedirect, WebSecret, "openid profile");
        var accessToken = tokens.AccessToken!;
        Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(server, accessToken)).StatusCode);
        var before = await StatementsExecutedAsync(database);

        for (var i = 0; i < 500; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await OidcFlow.UserInfoAsync(server, accessToken)).StatusCode);
            var introspection = await server.IntrospectAsync(new FormUrlEncodedContent([new("token", accessToken)]), Introspector);
            StringAssert.Contains(await introspection.Content.ReadAsStringAsync(), "\"active\":true");
        }

        Assert.AreEqual(before, await StatementsExecutedAsync(database), "a check of an active OAuth access token is answered from memory");
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
