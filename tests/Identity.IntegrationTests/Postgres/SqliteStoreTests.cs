using System.Globalization;
using System.Net;
using Identity.Testing;
using Microsoft.Data.Sqlite;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// The single-node SQLite default keeps the storage promises PostgreSQL keeps (the durability and
/// purge tests run on both): a validation of a live session touches no storage, and a store that
/// cannot be written answers 503 — changing nothing — while validations go on, until it can again.
/// </summary>
[TestClass]
public sealed class SqliteStoreTests
{
    [TestMethod]
    public async Task A_thousand_validations_of_live_sessions_do_no_storage_operation()
    {
        await using var node = await SqliteNode.StartAsync();
        var (_, tokens) = await node.Api.Client.SignUpAndLoginAsync();
        Assert.AreEqual(HttpStatusCode.OK, (await node.Api.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        var before = await StorageOperationsAsync(node.Api);

        for (var i = 0; i < 1000; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await node.Api.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        }

        Assert.AreEqual(before, await StorageOperationsAsync(node.Api), "no read or write of grain state during the validations");
        Assert.IsGreaterThan(0, before, "the metric counts the sign-up's and login's writes");
    }

    [TestMethod]
    public async Task A_locked_store_answers_503_and_changes_nothing_validations_go_on_and_it_recovers()
    {
        await using var node = await SqliteNode.StartAsync();
        var (username, tokens) = await node.Api.Client.SignUpAndLoginAsync();

        await using (var holder = new SqliteConnection($"Data Source={node.Path}"))
        {
            await holder.OpenAsync();
            await using var exclusive = holder.CreateCommand();
            exclusive.CommandText = "BEGIN EXCLUSIVE";
            await exclusive.ExecuteNonQueryAsync();

            var refused = await node.Api.Client.LoginAsync(username);
            var logout = await node.Api.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken);

            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, refused.StatusCode, await refused.Content.ReadAsStringAsync());
            Assert.IsNotNull(refused.Headers.RetryAfter);
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, logout.StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await node.Api.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode, "validation needs no storage; the refused logout changed nothing");
            exclusive.CommandText = "ROLLBACK";
            await exclusive.ExecuteNonQueryAsync();
        }

        Assert.AreEqual(HttpStatusCode.Created, (await node.Api.Client.LoginAsync(username)).StatusCode, "no restart needed");
        Assert.AreEqual(HttpStatusCode.NoContent, (await node.Api.Client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken)).StatusCode);
    }

    /// <summary>Grain-state operations so far, from the node's own metrics (every read, write and clear goes through one wrapper that times it).</summary>
    private static async Task<long> StorageOperationsAsync(GridProcess api)
    {
        var scrape = await api.Management.GetStringAsync("/metrics");
        return scrape.Split('\n')
            .Where(line => line.StartsWith("identity_storage_duration_seconds_count", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>The Api on the SQLite default, in a folder of its own removed afterwards.</summary>
    private sealed class SqliteNode : IAsyncDisposable
    {
        private readonly string directory;

        private SqliteNode(string directory, GridProcess api)
        {
            this.directory = directory;
            Api = api;
        }

        public GridProcess Api { get; }

        public string Path => System.IO.Path.Combine(directory, "identity.db");

        public static async Task<SqliteNode> StartAsync()
        {
            var directory = Directory.CreateTempSubdirectory("identity-sqlite").FullName;
            var environment = GridProcess.NodePorts();
            environment["Storage__SqlitePath"] = System.IO.Path.Combine(directory, "identity.db");
            return new SqliteNode(directory, await GridProcess.StartApiAsync(environment));
        }

        public async ValueTask DisposeAsync()
        {
            await Api.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
