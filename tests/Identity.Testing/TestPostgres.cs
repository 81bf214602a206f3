using Identity.DevPostgres;
using Npgsql;

namespace Identity.Testing;

/// <summary>
/// Real PostgreSQL for the tests: the server named by the environment variable
/// <c>IDENTITY_TEST_POSTGRES</c> (a connection string to a database whose user may create
/// databases), or else a throwaway private server started once for the test run (with
/// pg_stat_statements loaded) and deleted at the end. Each caller gets a fresh database.
/// </summary>
internal static class TestPostgres
{
    public const string EnvironmentVariable = "IDENTITY_TEST_POSTGRES";
    private static readonly Lazy<(string ConnectionString, LocalPostgres? Server, string? Directory)> s_server = new(StartServer);

    /// <summary>A new, empty database; returns its connection string.</summary>
    internal static async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(s_server.Value.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(s_server.Value.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A private server of the caller's own, e.g. to stop and start it in a fault test.</summary>
    internal static LocalPostgres StartPrivateServer(out string directory)
    {
        directory = Path.Combine(Path.GetTempPath(), $"identity-tests-pg-{Guid.NewGuid():N}");
        return LocalPostgres.Start(Path.Combine(directory, "data"), TextWriter.Null, preloadStatements: true);
    }

    /// <summary>Stops a private server and deletes its files.</summary>
    internal static void Remove(LocalPostgres server, string directory)
    {
        if (server.IsRunning)
        {
            server.Stop();
        }

        Directory.Delete(directory, recursive: true);
    }

    public static void StopServer()
    {
        if (s_server.IsValueCreated && s_server.Value is { Server: { } server, Directory: { } directory })
        {
            Remove(server, directory);
        }
    }

    private static (string, LocalPostgres?, string?) StartServer()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return (given, null, null);
        }

        var server = StartPrivateServer(out var directory);
        return (server.ConnectionString, server, directory);
    }
}
