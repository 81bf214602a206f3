using Identity.DevPostgres;
using Identity.Grains.Storage.PostgreSql;
using Identity.Testing;
using Npgsql;

namespace Identity.IntegrationTests.Postgres;

[TestClass]
public sealed class SchemaTests
{
    private static readonly string[] ProviderQueryKeys =
    [
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
    ];

    [TestMethod]
    public async Task Applying_the_schema_twice_is_a_no_op()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());

        var first = await SchemaMigrator.MigrateAsync(dataSource);
        var second = await SchemaMigrator.MigrateAsync(dataSource);

        CollectionAssert.AreEqual(Enumerable.Range(1, SchemaMigrator.LatestVersion).ToList(), first.ToList());
        Assert.IsEmpty(second);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.AreEqual(SchemaMigrator.LatestVersion, await SchemaMigrator.CurrentVersionAsync(connection));
    }

    [TestMethod]
    public async Task Every_query_the_orleans_providers_load_is_present()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());
        await SchemaMigrator.MigrateAsync(dataSource);

        await using var command = dataSource.CreateCommand("SELECT QueryKey FROM OrleansQuery");
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        CollectionAssert.AreEquivalent(ProviderQueryKeys, keys);
    }

    [TestMethod]
    public async Task A_schema_newer_than_the_build_is_refused_with_a_clear_message()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await SchemaMigrator.MigrateAsync(dataSource);
            await using var bump = dataSource.CreateCommand("UPDATE identity_schema SET version = 999");
            await bump.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsExactlyAsync<IdentityDatabaseException>(() => IdentityDatabase.OpenAsync(connectionString));

        StringAssert.Contains(error.Message, "version 999");
        StringAssert.Contains(error.Message, $"version {SchemaMigrator.LatestVersion}");
    }

    [TestMethod]
    public async Task Concurrent_migrations_apply_the_schema_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SchemaMigrator.MigrateAsync(dataSource)));

        Assert.AreEqual(1, results.Count(r => r.Count > 0));
    }

    [TestMethod]
    public async Task The_application_role_reads_and_writes_rows_but_cannot_change_the_schema_or_the_queries()
    {
        var ownerConnection = await TestPostgres.CreateDatabaseAsync();
        var role = $"app_{Guid.NewGuid():N}";
        var password = Guid.NewGuid().ToString("N");
        await using (var owner = new NpgsqlConnection(ownerConnection))
        {
            await owner.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN NOINHERIT PASSWORD '{password}'", owner);
            await create.ExecuteNonQueryAsync();
        }

        var applicationConnection = new NpgsqlConnectionStringBuilder(ownerConnection) { Username = role, Password = password }.ConnectionString;
        await using var database = await IdentityDatabase.OpenAsync(applicationConnection, ownerConnection);
        await using (var grid = await TestGrid.StartOnPostgresAsync(database, settings: null))
        {
            var name = GridScenario.UniqueName();
            await GridScenario.RegisterAsync(grid.Grains, name);
            var tokens = await GridScenario.LoginAsync(grid.Grains, name);
            Assert.IsNotNull(await GridScenario.ValidateAsync(grid.Grains, tokens.AccessToken), "the grid works as the application role");
        }

        await using var application = await database.DataSource.OpenConnectionAsync();
        foreach (var statement in (string[])["CREATE TABLE intruder (id int)", "DROP TABLE grain_state", "UPDATE orleansquery SET querytext = querytext", "DELETE FROM identity_schema"])
        {
            await using var command = new NpgsqlCommand(statement, application);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.IsTrue(refused.SqlState is "42501" or "42P01", $"{statement}: {refused.SqlState} {refused.MessageText}");
        }
    }

    [TestMethod]
    public async Task An_unreachable_database_is_reported_naming_the_setting()
    {
        var unreachable = "Host=127.0.0.1;Port=1;Database=identity;Username=nobody;Password=x";

        var error = await Assert.ThrowsExactlyAsync<IdentityDatabaseException>(() => IdentityDatabase.OpenAsync(unreachable));

        StringAssert.Contains(error.Message, "ConnectionStrings:Identity");
        Assert.DoesNotContain("Password=x", error.Message);
    }

    [TestMethod]
    public void Without_server_binaries_start_up_says_how_to_install_them()
    {
        var empty = Directory.CreateTempSubdirectory("identity-no-pg").FullName;

        var found = LocalPostgres.FindBinaries(empty, Path.Combine(empty, "usr-lib-postgresql"));
        var error = Assert.ThrowsExactly<DevPostgresException>(() => LocalPostgres.Start(Path.Combine(empty, "data"), TextWriter.Null, false, found));

        Assert.IsNull(found);
        StringAssert.Contains(error.Message, "apt-get install -y postgresql");
        StringAssert.Contains(error.Message, "ConnectionStrings__Identity");
        Directory.Delete(empty, recursive: true);
    }
}
