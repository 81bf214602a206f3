using System.Net;
using System.Net.Sockets;
using Identity.Testing;

namespace Identity.IntegrationTests.Operations;

/// <summary>
/// Start-up mistakes read like a product, not a crash: the real process prints one line on
/// standard error saying what is wrong and what to do, exits with status 1, and leaves nothing
/// running — including the default run's private PostgreSQL.
/// </summary>
[TestClass]
public sealed class StartupTests
{
    [TestMethod]
    public async Task An_invalid_setting_is_one_line_naming_the_key_and_exit_1()
    {
        var (exitCode, errors, output) = await GridProcess.RunUntilExitAsync(api: true, new Dictionary<string, string>
        {
            ["Storage__Mode"] = "Memory",
            ["Logging__Format"] = "xml",
            ["Sessions__MaxSessionsPerUser"] = "0",
        });

        AssertOneLineFailure(exitCode, errors, output, "identity-api cannot start: invalid configuration");
        StringAssert.Contains(errors, "Logging:Format");
        StringAssert.Contains(errors, "Sessions:MaxSessionsPerUser");
    }

    [TestMethod]
    public async Task A_port_in_use_is_one_line_and_the_private_database_is_stopped_again()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var directory = Directory.CreateTempSubdirectory("identity-startup").FullName;
        var data = Path.Combine(directory, "postgres");
        try
        {
            var environment = GridProcess.NodePorts();
            environment["Storage__Mode"] = "LocalPostgres";
            environment["Storage__LocalDataDirectory"] = data;
            environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";

            var (exitCode, errors, output) = await GridProcess.RunUntilExitAsync(api: true, environment);

            AssertOneLineFailure(exitCode, errors, output, "identity-api cannot start:");
            StringAssert.Contains(errors, "address already in use");
            StringAssert.Contains(errors, "ASPNETCORE_URLS");
            StringAssert.Contains(output, "Started private PostgreSQL", "the database had been started before the port was found taken");
            Assert.IsFalse(PostgresRunsOn(data), $"the private PostgreSQL in {data} was stopped:\n{output}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_private_postgresql_without_its_binaries_is_refused_saying_how_to_get_them_or_what_else_to_use()
    {
        var environment = GridProcess.NodePorts();
        environment["Storage__Mode"] = "LocalPostgres";
        var (exitCode, errors, output) = await GridProcess.RunUntilExitAsync(api: true, environment, wrapper: GridProcess.WithoutPostgresBinaries);

        AssertOneLineFailure(exitCode, errors, output, "identity-api cannot start: No PostgreSQL server binaries");
        StringAssert.Contains(errors, "ConnectionStrings__Identity");
    }

    [TestMethod]
    public async Task An_unreachable_database_is_one_line_naming_the_connection_string()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = $"Host=127.0.0.1;Port={Ports.Free()};Database=identity;Username=grid;Password=x";

        var (exitCode, errors, output) = await GridProcess.RunUntilExitAsync(api: false, environment);

        AssertOneLineFailure(exitCode, errors, output, "identity-silo cannot start:");
        StringAssert.Contains(errors, "ConnectionStrings");
    }

    [TestMethod]
    public async Task A_silo_without_a_connection_string_refuses_with_the_setting_to_give()
    {
        var (exitCode, errors, output) = await GridProcess.RunUntilExitAsync(api: false, GridProcess.NodePorts());

        AssertOneLineFailure(exitCode, errors, output, "identity-silo cannot start:");
        StringAssert.Contains(errors, "ConnectionStrings__Identity");
    }

    private static void AssertOneLineFailure(int exitCode, string errors, string output, string start)
    {
        Assert.AreEqual(1, exitCode, output);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(1, lines, $"one line on standard error:\n{errors}");
        StringAssert.StartsWith(lines[0], start, output);
        Assert.DoesNotContain("   at ", output, "no stack trace");
        Assert.DoesNotContain("Unhandled exception", output);
    }

    /// <summary>A running server keeps postmaster.pid in its data folder (as root the folder is elsewhere, linked from the one asked for).</summary>
    private static bool PostgresRunsOn(string dataDirectory)
    {
        var data = Directory.ResolveLinkTarget(dataDirectory, returnFinalTarget: true)?.FullName ?? dataDirectory;
        return File.Exists(Path.Combine(data, "postmaster.pid"));
    }
}
