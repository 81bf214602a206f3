using System.Diagnostics;
using System.Net;
using Identity.Testing;

namespace Identity.IntegrationTests.Topology;

/// <summary>
/// A database outage seen through a separate Api process: a failure inside a silo must cross
/// the process boundary as "unavailable" at once, not as an exception the Api cannot read.
/// </summary>
[TestClass]
public sealed class ClientModeOutageTests
{
    [TestMethod]
    public async Task A_cold_session_during_an_outage_answers_503_at_once_through_a_client_mode_api()
    {
        var server = TestPostgres.StartPrivateServer(out var directory);
        try
        {
            await using (var grid = await LocalGrid.StartAsync(silos: 1, apis: 1, server.ConnectionString))
            {
                var api = grid.Apis[0].Client;
                var (_, cold) = await api.SignUpAndLoginAsync();
                var (_, warm) = await api.SignUpAndLoginAsync();
                await grid.DeactivateIdleGrainsAsync();
                Assert.AreEqual(HttpStatusCode.OK, (await api.GetCurrentAsync(warm.AccessToken)).StatusCode);

                server.Kill();
                var clock = Stopwatch.StartNew();
                var response = await api.GetCurrentAsync(cold.AccessToken);
                clock.Stop();

                Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode, await response.Content.ReadAsStringAsync());
                Assert.IsLessThan(TimeSpan.FromSeconds(5), clock.Elapsed, "the silo's storage failure must reach the Api as 'unavailable' at once");
                Assert.AreEqual(HttpStatusCode.OK, (await api.GetCurrentAsync(warm.AccessToken)).StatusCode, "sessions in memory still validate");
                server.Restart();
            }
        }
        finally
        {
            TestPostgres.Remove(server, directory);
        }
    }
}
