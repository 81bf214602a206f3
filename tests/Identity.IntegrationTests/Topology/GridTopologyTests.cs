using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;

namespace Identity.IntegrationTests.Topology;

/// <summary>
/// The production topology with real processes and real PostgreSQL: silos killed, added and
/// restarted under continuous validation load; Api nodes restarted; revocation seen across nodes.
/// One grid is shared; each test first brings it to the shape it needs. Measurements are
/// written to the test output.
/// </summary>
[TestClass]
public sealed class GridTopologyTests
{
    private const int Users = 10;
    private const int SessionsPerUser = 100;
    private static LocalGrid s_grid = null!;
    private static List<ApiTokens> s_sessions = null!;

    public TestContext TestContext { get; set; } = null!;

    private static HttpClient Api => s_grid.Apis[0].Client;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        s_grid = await LocalGrid.StartAsync(silos: 3, apis: 2);
        s_sessions = [.. (await Task.WhenAll(Enumerable.Range(0, Users).Select(async _ =>
        {
            var username = GridScenario.UniqueName();
            (await Api.RegisterAsync(username)).EnsureSuccessStatusCode();
            var tokens = new List<ApiTokens>();
            for (var i = 0; i < SessionsPerUser; i++)
            {
                tokens.Add(await Api.LoginTokensAsync(username));
            }

            return tokens;
        }))).SelectMany(t => t)];
    }

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Killing_the_silo_holding_most_sessions_loses_none_of_1000()
    {
        await EnsureRunningSilosAsync(3);
        await AssertAllValidateAsync();
        var bySilo = await s_grid.SessionActivationsBySiloAsync();
        var victim = s_grid.RunningSilos.MaxBy(s => bySilo.GetValueOrDefault(s.SiloPort))!;
        using var load = ValidationLoad.Start(Api, s_sessions);
        await load.RunForAtLeastAsync(500);

        // Each silo serves its own metrics on its management port.
        var metrics = await victim.Process!.Management.GetStringAsync("/metrics");
        StringAssert.Contains(metrics, "identity_sessions_active");
        StringAssert.Contains(metrics, "orleans_consistent_ring_size");

        var killedAt = load.Now;
        await victim.Process!.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        await load.RunForAtLeastAsync(500);
        var report = await load.StopAsync();

        Report($"SIGKILL of the silo holding {bySilo.GetValueOrDefault(victim.SiloPort)} of {bySilo.Values.Sum()} session grains: {report}"
            + (report.FirstFailureAt is { } first ? $", first failure {(first - killedAt).TotalSeconds:F2} s after the kill" : string.Empty));
        await AssertAllValidateAsync();
        Assert.AreEqual(0, report.Failed, report.ToString());
        Assert.IsLessThan(TimeSpan.FromSeconds(3), report.MaxLatency, $"the slowest validation during the failover: {report}");
    }

    [TestMethod]
    public async Task A_silo_added_under_load_serves_new_activations_without_failed_requests()
    {
        await EnsureRunningSilosAsync(3);
        using var load = ValidationLoad.Start(Api, s_sessions);
        await load.RunForAtLeastAsync(500);

        var added = await s_grid.AddSiloAsync();
        await load.RunForAtLeastAsync(2000);
        var newSessions = await LoginManyAsync(100);
        await load.RunForAtLeastAsync(500);
        var report = await load.StopAsync();

        var bySilo = await s_grid.SessionActivationsBySiloAsync();
        Report($"Adding a silo under load: {report}; the new silo holds {bySilo.GetValueOrDefault(added.SiloPort)} session grains after 100 new logins");
        Assert.AreEqual(0, report.Failed, report.ToString());
        Assert.IsGreaterThan(0, bySilo.GetValueOrDefault(added.SiloPort), "new activations land on the new silo");
        foreach (var session in newSessions)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await Api.GetCurrentAsync(session.AccessToken)).StatusCode);
        }
    }

    [TestMethod]
    public async Task A_rolling_restart_of_every_silo_loses_no_session_and_fails_under_a_thousandth()
    {
        await EnsureRunningSilosAsync(3);
        using var load = ValidationLoad.Start(Api, s_sessions);
        await load.RunForAtLeastAsync(500);

        foreach (var silo in s_grid.RunningSilos.ToList())
        {
            await silo.Process!.StopAsync();
            await silo.Process.DisposeAsync();
            await s_grid.StartSiloAsync(silo);
            await load.RunForAtLeastAsync(1000);
        }

        var report = await load.StopAsync();
        Report($"Rolling restart (SIGTERM, start again) of {s_grid.RunningSilos.Count()} silos: {report}");
        await AssertAllValidateAsync();
        Assert.IsLessThan(0.001, report.FailureRate, report.ToString());
    }

    [TestMethod]
    public async Task Tokens_issued_before_an_api_node_restart_still_validate()
    {
        await EnsureRunningSilosAsync(2);
        var api = s_grid.Apis[^1];

        var restarted = await s_grid.ReplaceApiAsync(api, kill: true);

        foreach (var session in s_sessions.Take(200))
        {
            Assert.AreEqual(HttpStatusCode.OK, (await restarted.Client.GetCurrentAsync(session.AccessToken)).StatusCode);
        }
    }

    [TestMethod]
    public async Task A_revocation_through_one_api_node_is_seen_at_once_through_another()
    {
        await EnsureRunningSilosAsync(2);
        var revoking = s_grid.Apis[0].Client;
        var checking = s_grid.Apis[1].Client;
        var sessions = await LoginManyAsync(50);
        var successesAfterRevoke = 0;

        foreach (var session in sessions)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await checking.GetCurrentAsync(session.AccessToken)).StatusCode);
            Assert.AreEqual(HttpStatusCode.NoContent, (await revoking.SendAsync(HttpMethod.Delete, "/v1/sessions/current", session.AccessToken)).StatusCode);
            if ((await checking.GetCurrentAsync(session.AccessToken)).StatusCode == HttpStatusCode.OK)
            {
                successesAfterRevoke++;
            }
        }

        Report($"Revocation across Api nodes: {successesAfterRevoke} successful validations after 50 revokes returned");
        Assert.AreEqual(0, successesAfterRevoke);
    }

    [TestMethod]
    public async Task A_service_with_only_the_contracts_and_the_orleans_client_checks_tokens_and_lists_sessions()
    {
        await EnsureRunningSilosAsync(1);
        var session = s_sessions[0];
        var gateways = s_grid.RunningSilos.Select(s => $"127.0.0.1:{s.Environment["Orleans__GatewayPort"]}");

        var (exitCode, output) = await GridProcess.RunSampleAsync([session.AccessToken, .. gateways], new Dictionary<string, string>());
        var (revokedExit, revokedOutput) = await GridProcess.RunSampleAsync(["iga_not-a-token", .. gateways], new Dictionary<string, string>());

        Assert.AreEqual(0, exitCode, output);
        var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.IsTrue(result.GetProperty("active").GetBoolean());
        Assert.AreEqual(session.SessionId, result.GetProperty("sessionId").GetGuid());
        Assert.HasCount(SessionsPerUser, result.GetProperty("sessions").EnumerateArray().ToList());
        Assert.AreEqual(1, revokedExit, revokedOutput);
        StringAssert.Contains(revokedOutput, "{\"active\":false}");
    }

    private static async Task EnsureRunningSilosAsync(int count)
    {
        while (s_grid.RunningSilos.Count() < count)
        {
            // A stopped node comes back on its own ports, as a restarted deployment would.
            var stopped = s_grid.Silos.FirstOrDefault(s => !s.IsRunning);
            if (stopped is null)
            {
                await s_grid.AddSiloAsync();
            }
            else
            {
                await stopped.Process!.DisposeAsync();
                await s_grid.StartSiloAsync(stopped);
            }
        }
    }

    private static async Task AssertAllValidateAsync()
    {
        var statuses = await Task.WhenAll(s_sessions.Chunk(125).Select(async chunk =>
        {
            var failed = 0;
            foreach (var session in chunk)
            {
                failed += (await Api.GetCurrentAsync(session.AccessToken)).StatusCode == HttpStatusCode.OK ? 0 : 1;
            }

            return failed;
        }));
        Assert.AreEqual(0, statuses.Sum(), $"sessions lost out of {s_sessions.Count}");
    }

    /// <summary>New sessions for ten new users, each user's logins one after another (as its grain takes them).</summary>
    private static async Task<List<ApiTokens>> LoginManyAsync(int count)
    {
        var perUser = await Task.WhenAll(Enumerable.Range(0, 10).Select(async user =>
        {
            var username = GridScenario.UniqueName();
            (await Api.RegisterAsync(username)).EnsureSuccessStatusCode();
            var tokens = new List<ApiTokens>();
            for (var i = user; i < count; i += 10)
            {
                tokens.Add(await Api.LoginTokensAsync(username));
            }

            return tokens;
        }));
        return [.. perUser.SelectMany(t => t)];
    }

    private void Report(string measurement)
    {
        TestContext.WriteLine(measurement);
        Console.WriteLine($"[grid] {measurement}");
    }
}
