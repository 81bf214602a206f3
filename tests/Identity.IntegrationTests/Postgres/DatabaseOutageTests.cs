using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// The whole outage sequence against the real Api pipeline and a real PostgreSQL server that is
/// killed and started again while the grid runs.
/// </summary>
[TestClass]
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan FailFastBound = TimeSpan.FromSeconds(5);

    [TestMethod]
    public async Task Validations_go_on_writes_fail_fast_with_503_and_everything_recovers_without_a_restart()
    {
        var server = TestPostgres.StartPrivateServer(out var directory);
        try
        {
            await using var host = new ApiHost(new Dictionary<string, string?>
            {
                ["Storage:Mode"] = "PostgreSql",
                ["ConnectionStrings:Identity"] = server.ConnectionString,
            }.With(ClientSettings.Introspection(("ops", "ops-secret-0123456789abcdef"))));
            var client = host.CreateApiClient();
            var (_, cold) = await client.SignUpAndLoginAsync();
            await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            var (username, validated) = await client.SignUpAndLoginAsync();
            var toLogOut = await client.LoginTokensAsync(username);
            var toRefresh = await client.LoginTokensAsync(username);
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

            server.Kill();

            // Sessions in memory keep validating: all of them.
            for (var i = 0; i < 200; i++)
            {
                Assert.AreEqual(HttpStatusCode.OK, (await client.GetCurrentAsync(validated.AccessToken)).StatusCode, $"validation {i}");
            }

            // A session that is not in memory cannot be loaded: "unknown right now", not "invalid".
            await AssertUnavailableAsync(() => client.GetCurrentAsync(cold.AccessToken));

            // Every write fails fast, with 503 and Retry-After.
            await AssertUnavailableAsync(() => client.RegisterAsync(GridScenario.UniqueName()));
            await AssertUnavailableAsync(() => client.LoginAsync(username));
            await AssertUnavailableAsync(() => client.RefreshAsync(toRefresh.RefreshToken));
            await AssertUnavailableAsync(() => client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", toLogOut.AccessToken));
            await AssertUnavailableAsync(() => client.SendAsync(HttpMethod.Put, "/v1/users/me/password", validated.AccessToken,
                new { currentPassword = GridScenario.Password, newPassword = "a new passphrase here" }));

            // Readiness says why, to a caller with client credentials.
            var readiness = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
            readiness.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("ops:ops-secret-0123456789abcdef"u8));
            var ready = await client.SendAsync(readiness);
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
            Assert.AreEqual("Unhealthy", checks.GetProperty("database").GetProperty("status").GetString());
            Assert.AreEqual("Healthy", checks.GetProperty("grid").GetProperty("status").GetString());

            // Nothing was half-done: the refused logout left its session working.
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetCurrentAsync(toLogOut.AccessToken)).StatusCode);

            server.Restart();

            // Without restarting the grid, writes work again (the first may meet a pooled connection the restart broke).
            var refreshed = await EventuallyAsync(() => client.RefreshAsync(toRefresh.RefreshToken), HttpStatusCode.OK);
            Assert.AreEqual(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", toLogOut.AccessToken)).StatusCode);
            Assert.AreEqual(HttpStatusCode.Created, (await client.RegisterAsync(GridScenario.UniqueName())).StatusCode);
            Assert.AreEqual(HttpStatusCode.Created, (await client.LoginAsync(username)).StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetCurrentAsync(validated.AccessToken)).StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetCurrentAsync(cold.AccessToken)).StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetCurrentAsync((await refreshed.Content.ReadFromJsonAsync<ApiTokens>())!.AccessToken)).StatusCode);
            await EventuallyAsync(() => client.GetAsync("/health/ready"), HttpStatusCode.OK);
        }
        finally
        {
            TestPostgres.Remove(server, directory);
        }
    }

    private static async Task AssertUnavailableAsync(Func<Task<HttpResponseMessage>> call)
    {
        var clock = Stopwatch.StartNew();
        var response = await call();
        clock.Stop();

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.IsNotNull(response.Headers.RetryAfter?.Delta);
        Assert.AreEqual(503, (await response.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.IsLessThan(FailFastBound, clock.Elapsed, "a write during the outage must fail fast");
    }

    /// <summary>Repeats a call until it answers <paramref name="expected"/>, for at most 20 seconds.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> call, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var response = await call();
            if (response.StatusCode == expected || DateTime.UtcNow > deadline)
            {
                Assert.AreEqual(expected, response.StatusCode, await response.Content.ReadAsStringAsync());
                return response;
            }

            await Task.Delay(200);
        }
    }
}
