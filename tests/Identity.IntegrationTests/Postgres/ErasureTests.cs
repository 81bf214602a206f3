using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;
using Npgsql;

namespace Identity.IntegrationTests.Postgres;

/// <summary>GDPR erasure through the admin API leaves no row of the account in PostgreSQL, and touches no one else's.</summary>
[TestClass]
public sealed class ErasureTests
{
    [TestMethod]
    public async Task Erasing_an_account_deletes_every_row_of_it_and_only_those()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = database;
        foreach (var (key, value) in ClientSettings.Operators(("ops", "ops-secret-0123456789abcdef-0123456789")))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        using var mail = new TestMailFolder();
        environment["Email__Mode"] = "Folder";
        environment["Email__Folder"] = mail.Path;
        await using var api = await GridProcess.StartApiAsync(environment);
        var username = GridScenario.UniqueName();
        var email = $"{username}@example.com";
        (await api.Client.RegisterAsync(username, email: email)).EnsureSuccessStatusCode();
        var first = await api.Client.LoginTokensAsync(username);
        var code = TestMailFolder.Code(await mail.WaitForAsync(email, "Confirm your email address"));
        Assert.AreEqual(HttpStatusCode.OK, (await api.Client.SendAsync(HttpMethod.Post, "/v1/users/me/email/verify", first.AccessToken, new { code })).StatusCode, "the address proven: it has a login name of its own");
        await api.Client.LoginTokensAsync(username);
        var (bystander, bystanderTokens) = await api.Client.SignUpAndLoginAsync();
        using var admin = new HttpClient { BaseAddress = api.Client.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:ops-secret-0123456789abcdef-0123456789")));
        var userId = (await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users?username={username}")).GetProperty("userId").GetGuid();
        var bystanderId = (await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/users?username={bystander}")).GetProperty("userId").GetGuid();
        var bystanderRows = await RowsOfAsync(database, bystanderId, bystander);
        Assert.AreEqual(5, await RowsOfAsync(database, userId, username), "the account, its two names and its two sessions");

        Assert.AreEqual(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/v1/users/{userId}")).StatusCode);

        Assert.AreEqual(0, await RowsOfAsync(database, userId, username), "no row names the account, its id, its username or its email");
        Assert.AreEqual(bystanderRows, await RowsOfAsync(database, bystanderId, bystander), "no one else's row was touched");
        Assert.AreEqual(HttpStatusCode.OK, (await api.Client.GetCurrentAsync(bystanderTokens.AccessToken)).StatusCode);
        await api.StopAsync();
    }

    /// <summary>Rows of grain state that hold the user's id or name anywhere (their payload is JSON).</summary>
    private static async Task<long> RowsOfAsync(string database, Guid userId, string username)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM grain_state WHERE payload::text ILIKE '%' || @id || '%' OR payload::text ILIKE '%' || @name || '%'", connection);
        count.Parameters.AddWithValue("id", userId.ToString());
        count.Parameters.AddWithValue("name", username);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
