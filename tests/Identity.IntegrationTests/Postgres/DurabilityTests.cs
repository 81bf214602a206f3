using Identity.DevPostgres;
using System.Net;
using System.Net.Http.Json;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// Every change acknowledged to a caller survives a graceful restart and a SIGKILL of the real
/// Api process, with PostgreSQL given by connection string or run privately (the zero-setup default).
/// </summary>
[TestClass]
public sealed class DurabilityTests
{
    [TestMethod]
    public async Task Acknowledged_changes_survive_a_graceful_restart_and_a_kill_9()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = await TestPostgres.CreateDatabaseAsync();
        string username;
        ApiTokens kept, loggedOut, rotated;
        await using (var first = await GridProcess.StartApiAsync(environment))
        {
            (username, var initial) = await first.Client.SignUpAndLoginAsync();
            loggedOut = await first.Client.LoginTokensAsync(username);
            Assert.AreEqual(HttpStatusCode.NoContent, (await first.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", loggedOut.AccessToken)).StatusCode);
            rotated = (await (await first.Client.RefreshAsync(initial.RefreshToken)).Content.ReadFromJsonAsync<ApiTokens>())!;
            kept = await first.Client.LoginTokensAsync(username);
            await first.StopAsync();
        }

        ApiTokens afterRestart;
        await using (var second = await GridProcess.StartApiAsync(environment))
        {
            Assert.AreEqual(HttpStatusCode.OK, (await second.Client.GetCurrentAsync(kept.AccessToken)).StatusCode, "session survived a graceful restart");
            Assert.AreEqual(HttpStatusCode.OK, (await second.Client.GetCurrentAsync(rotated.AccessToken)).StatusCode, "rotation survived");
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await second.Client.GetCurrentAsync(loggedOut.AccessToken)).StatusCode, "logout survived");
            afterRestart = await second.Client.LoginTokensAsync(username);
            Assert.AreEqual(HttpStatusCode.NoContent, (await second.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", kept.AccessToken)).StatusCode);
            await second.KillAsync();
        }

        await using var third = await GridProcess.StartApiAsync(environment);
        Assert.AreEqual(HttpStatusCode.OK, (await third.Client.GetCurrentAsync(afterRestart.AccessToken)).StatusCode, "login acknowledged before kill -9 survived");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await third.Client.GetCurrentAsync(kept.AccessToken)).StatusCode, "logout acknowledged before kill -9 survived");
        Assert.AreEqual(HttpStatusCode.OK, (await third.Client.GetCurrentAsync(rotated.AccessToken)).StatusCode);
        await third.StopAsync();
    }

    [TestMethod]
    public async Task The_zero_setup_default_runs_its_own_postgres_reuses_it_after_kill_9_and_stops_it_on_exit()
    {
        // A private parent (mode 0700), like a home directory: as root the server must still be reachable.
        var directory = Directory.CreateTempSubdirectory("identity-zero-setup").FullName;
        var data = Path.Combine(directory, "postgres");
        var environment = GridProcess.NodePorts();
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
