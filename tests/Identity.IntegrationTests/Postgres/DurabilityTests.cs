using Identity.DevPostgres;
using System.Net;
using System.Net.Http.Json;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// Every change acknowledged to a caller survives a graceful restart and a SIGKILL of the real
/// Api process: on PostgreSQL given by connection string, on the SQLite default (on a machine
/// without PostgreSQL), and on a private PostgreSQL (Storage:Mode=LocalPostgres).
/// </summary>
[TestClass]
public sealed class DurabilityTests
{
    [TestMethod]
    public async Task Acknowledged_changes_survive_a_graceful_restart_and_a_kill_9()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = await TestPostgres.CreateDatabaseAsync();
        await AssertAcknowledgedChangesSurviveAsync(environment);
    }

    [TestMethod]
    public async Task The_default_run_without_postgresql_stores_in_sqlite_and_keeps_every_acknowledged_change()
    {
        var directory = Directory.CreateTempSubdirectory("identity-sqlite-default").FullName;
        try
        {
            var environment = GridProcess.NodePorts();
            environment["Storage__SqlitePath"] = Path.Combine(directory, "identity.db");

            var output = await AssertAcknowledgedChangesSurviveAsync(environment, GridProcess.WithoutPostgresBinaries);

            StringAssert.Contains(output, $"Storing grain state in SQLite at {Path.Combine(directory, "identity.db")}");
            Assert.DoesNotContain("PostgreSQL for the identity grid", output, "no server was started");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Logout, rotation and logins acknowledged before a graceful restart and before a kill -9 are all still true after; returns the first start's output.</summary>
    private static async Task<string> AssertAcknowledgedChangesSurviveAsync(Dictionary<string, string> environment, string[]? wrapper = null)
    {
        string username, firstOutput;
        ApiTokens kept, loggedOut, rotated;
        await using (var first = await GridProcess.StartApiAsync(environment, wrapper))
        {
            firstOutput = first.Output;
            (username, var initial) = await first.Client.SignUpAndLoginAsync();
            loggedOut = await first.Client.LoginTokensAsync(username);
            Assert.AreEqual(HttpStatusCode.NoContent, (await first.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", loggedOut.AccessToken)).StatusCode);
            rotated = (await (await first.Client.RefreshAsync(initial.RefreshToken)).Content.ReadFromJsonAsync<ApiTokens>())!;
            kept = await first.Client.LoginTokensAsync(username);
            await first.StopAsync();
        }

        ApiTokens afterRestart;
        await using (var second = await GridProcess.StartApiAsync(environment, wrapper))
        {
            Assert.AreEqual(HttpStatusCode.OK, (await second.Client.GetCurrentAsync(kept.AccessToken)).StatusCode, "session survived a graceful restart");
            Assert.AreEqual(HttpStatusCode.OK, (await second.Client.GetCurrentAsync(rotated.AccessToken)).StatusCode, "rotation survived");
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await second.Client.GetCurrentAsync(loggedOut.AccessToken)).StatusCode, "logout survived");
            afterRestart = await second.Client.LoginTokensAsync(username);
            Assert.AreEqual(HttpStatusCode.NoContent, (await second.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", kept.AccessToken)).StatusCode);
            await second.KillAsync();
        }

        await using var third = await GridProcess.StartApiAsync(environment, wrapper);
        Assert.AreEqual(HttpStatusCode.OK, (await third.Client.GetCurrentAsync(afterRestart.AccessToken)).StatusCode, "login acknowledged before kill -9 survived");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await third.Client.GetCurrentAsync(kept.AccessToken)).StatusCode, "logout acknowledged before kill -9 survived");
        Assert.AreEqual(HttpStatusCode.OK, (await third.Client.GetCurrentAsync(rotated.AccessToken)).StatusCode);
        await third.StopAsync();
        return firstOutput;
    }

    [TestMethod]
    public async Task A_private_postgres_is_started_reused_after_kill_9_and_stopped_on_exit()
    {
        // A private parent (mode 0700), like a home directory: as root the server must still be reachable.
        var directory = Directory.CreateTempSubdirectory("identity-zero-setup").FullName;
        var data = Path.Combine(directory, "postgres");
        var environment = GridProcess.NodePorts();
        environment["Storage__Mode"] = "LocalPostgres";
        environment["Storage__LocalDataDirectory"] = data;
        try
        {
            ApiTokens tokens;
            await using (var first = await GridProcess.StartApiAsync(environment))
            {
                StringAssert.Contains(first.Output, "Started private PostgreSQL");
                if (Environment.IsPrivilegedProcess)
                {
                    StringAssert.Contains(first.Output, "keeping the data in /var/lib/identity-grid/");
                }

                (_, tokens) = await first.Client.SignUpAndLoginAsync();
                await first.KillAsync();
            }

            await using (var second = await GridProcess.StartApiAsync(environment))
            {
                StringAssert.Contains(second.Output, "Using the private PostgreSQL already running");
                Assert.AreEqual(HttpStatusCode.OK, (await second.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
                await second.StopAsync();
            }

            Assert.IsFalse(File.Exists(Path.Combine(data, "postmaster.pid")), "a clean exit stops the private server");

            await using var third = await GridProcess.StartApiAsync(environment);
            Assert.AreEqual(HttpStatusCode.OK, (await third.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
            await third.StopAsync();
        }
        finally
        {
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                LocalPostgres.Start(data, TextWriter.Null).Stop();
            }

            if (new DirectoryInfo(data).LinkTarget is { } target)
            {
                Directory.Delete(Path.GetDirectoryName(target)!, recursive: true);
            }

            Directory.Delete(directory, recursive: true);
        }
    }
}
