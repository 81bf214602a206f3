using System.Text.Json;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;
using Npgsql;

namespace Identity.IntegrationTests.Postgres;

/// <summary>The grains on the production ADO.NET provider with this project's schema and queries.</summary>
[TestClass]
public sealed class PostgresStorageTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        s_grid = await TestGrid.StartOnPostgresAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
        => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task An_email_with_braces_registers_and_signs_in()
    {
        // Legal in an address; Orleans' ADO.NET storage once passed the grain key to string.Format.
        var name = GridScenario.UniqueName();
        var email = $"{name}+{{0}}{{tag}}@example.com";

        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name, email: email);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, email);

        Assert.AreEqual(userId, (await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken))!.UserId);
    }

    [TestMethod]
    public async Task A_session_round_trips_through_postgres_and_a_cold_grain_reloads_it()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        await s_grid.Cluster.DeactivateAsync(s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId));
        await s_grid.Cluster.DeactivateAsync(s_grid.Grains.GetGrain<IUserGrain>(userId));

        var view = await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken);
        Assert.IsNotNull(view);
        Assert.AreEqual(name, view.Username);
        var sessions = await s_grid.Grains.GetGrain<IUserGrain>(userId).ListSessionsAsync();
        Assert.AreEqual(tokens.SessionId, sessions.Single().SessionId);
    }

    [TestMethod]
    public async Task Each_grain_type_has_its_own_state_name_and_readable_json_without_secrets()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name, email: $"{Guid.NewGuid():N}@example.com");
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        var rows = await QueryAsync("SELECT state_name, payload::text FROM grain_state WHERE payload::text LIKE @p", ("p", $"%{name}%"));
        var session = await QueryAsync("SELECT payload::text FROM grain_state WHERE state_name = 'session' AND payload ->> 'username' = @n", ("n", name));

        CollectionAssert.IsSubsetOf(new[] { "user", "session" }, rows.Select(r => r[0]).ToList());
        var payloads = string.Join('\n', rows.Select(r => r[1]));
        Assert.DoesNotContain(GridScenario.Password, payloads);
        Assert.DoesNotContain(tokens.AccessToken[4..], payloads);
        Assert.DoesNotContain(tokens.RefreshToken[4..], payloads);
        var purgeAfter = JsonDocument.Parse(session.Single()[0]).RootElement.GetProperty("purgeAfter").GetInt64();
        Assert.AreEqual((s_grid.Clock.GetUtcNow() + TimeSpan.FromDays(14)).ToUnixTimeSeconds(), purgeAfter);
    }

    [TestMethod]
    public async Task Ending_a_session_deletes_its_row()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        Assert.AreEqual(1, await SessionRowsAsync(tokens.SessionId));

        Assert.IsTrue(await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).LogoutAsync(GridScenario.Parse(tokens.AccessToken, TokenKind.Access).Digest));

        Assert.AreEqual(0, await SessionRowsAsync(tokens.SessionId));
    }

    [TestMethod]
    public async Task Two_first_writes_of_one_grain_cannot_both_succeed()
    {
        string writeQuery;
        await using (var command = s_grid.Database!.DataSource.CreateCommand("SELECT querytext FROM orleansquery WHERE querykey = 'WriteToStorageKey'"))
        {
            writeQuery = (string)(await command.ExecuteScalarAsync())!;
        }

        var n1 = Random.Shared.NextInt64();
        async Task<object?> FirstWriteAsync()
        {
            await using var write = s_grid.Database!.DataSource.CreateCommand(writeQuery);
            write.Parameters.AddWithValue("GrainIdHash", 1);
            write.Parameters.AddWithValue("GrainTypeHash", 2);
            write.Parameters.AddWithValue("GrainIdN0", 7L);
            write.Parameters.AddWithValue("GrainIdN1", n1);
            write.Parameters.AddWithValue("GrainTypeString", "session");
            write.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
            write.Parameters.AddWithValue("ServiceId", "unique-key-test");
            write.Parameters.Add(new NpgsqlParameter("GrainStateVersion", NpgsqlTypes.NpgsqlDbType.Integer) { Value = DBNull.Value });
            write.Parameters.AddWithValue("PayloadBinary", "{}"u8.ToArray());
            return await write.ExecuteScalarAsync();
        }

        var first = await FirstWriteAsync();
        var second = await FirstWriteAsync();

        Assert.AreEqual(1, first);
        Assert.AreEqual(DBNull.Value, second, "the second activation's insert is reported as a version conflict");
    }

    private static async Task<long> SessionRowsAsync(Guid sessionId)
    {
        var key = sessionId.ToByteArray();
        await using var command = s_grid.Database!.DataSource.CreateCommand(
            "SELECT count(*) FROM grain_state WHERE state_name = 'session' AND grain_n0 = @n0 AND grain_n1 = @n1");
        command.Parameters.AddWithValue("n0", BitConverter.ToInt64(key, 0));
        command.Parameters.AddWithValue("n1", BitConverter.ToInt64(key, 8));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string[]>> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = s_grid.Database!.DataSource.CreateCommand(sql);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        var rows = new List<string[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()!)]);
        }

        return rows;
    }
}
