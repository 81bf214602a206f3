using Identity.Contracts.Sessions;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// Counts the SQL statements PostgreSQL executed for this database (pg_stat_statements) around
/// validations: an active session is checked from memory, with no statement at all.
/// </summary>
[TestClass]
public sealed class ZeroSqlValidationTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        s_grid = await TestGrid.StartOnPostgresAsync();
        await using var extension = s_grid.Database!.DataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await extension.ExecuteNonQueryAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
        => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task A_thousand_validations_of_an_active_session_execute_zero_sql_statements()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        var before = await StatementsExecutedAsync();

        for (var i = 0; i < 1000; i++)
        {
            Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        }

        Assert.AreEqual(before, await StatementsExecutedAsync());
    }

    [TestMethod]
    public async Task A_cold_session_costs_one_read_then_nothing()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        await s_grid.Cluster.DeactivateAsync(s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId));
        var before = await StatementsExecutedAsync();

        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        var afterFirst = await StatementsExecutedAsync();
        for (var i = 0; i < 100; i++)
        {
            Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        }

        Assert.AreEqual(before + 1, afterFirst, "activation reads the session row once");
        Assert.AreEqual(afterFirst, await StatementsExecutedAsync());
    }

    /// <summary>Statements executed in this database, other than these measurements.</summary>
    private static async Task<long> StatementsExecutedAsync()
    {
        await using var command = s_grid.Database!.DataSource.CreateCommand("""
            SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT ILIKE '%pg_stat_statements%'
            """);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
