using System.Globalization;
using Identity.Contracts.Security;
using Identity.Grains.Hosting;
using Identity.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Identity.IntegrationTests.Topology;

/// <summary>One silo process of a <see cref="LocalGrid"/>, with the ports it keeps across restarts.</summary>
internal sealed class SiloNode(int siloPort, Dictionary<string, string> environment)
{
    public int SiloPort { get; } = siloPort;

    public Dictionary<string, string> Environment { get; } = environment;

    public GridProcess? Process { get; set; }

    public bool IsRunning => Process is { HasExited: false };
}

/// <summary>
/// The production topology as real processes on loopback: silos (src/Silo) sharing one
/// PostgreSQL database for state and membership, and stateless Api nodes in client mode.
/// An in-process Orleans client reads grain placement through the management grain.
/// </summary>
internal sealed class LocalGrid : IAsyncDisposable
{
    private readonly List<SiloNode> _silos = [];
    private readonly List<GridProcess> _apis = [];
    private IHost? _management;

    private LocalGrid(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public IReadOnlyList<SiloNode> Silos => _silos;

    public IReadOnlyList<GridProcess> Apis => _apis;

    public IEnumerable<SiloNode> RunningSilos => _silos.Where(s => s.IsRunning);

    /// <param name="connectionString">The database to share; a fresh one on the test server when null.</param>
    public static async Task<LocalGrid> StartAsync(int silos, int apis, string? connectionString = null)
    {
        var grid = new LocalGrid(connectionString ?? await TestPostgres.CreateDatabaseAsync());
        // The first silo applies the schema; the others then join together.
        await grid.AddSiloAsync();
        await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(_ => grid.AddSiloAsync()));
        for (var i = 0; i < apis; i++)
        {
            await grid.AddApiAsync();
        }

        return grid;
    }

    public async Task<SiloNode> AddSiloAsync()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = ConnectionString;
        var node = new SiloNode(int.Parse(environment["Orleans__SiloPort"], CultureInfo.InvariantCulture), environment);
        lock (_silos)
        {
            _silos.Add(node);
        }

        await StartSiloAsync(node);
        return node;
    }

    /// <summary>Starts (or restarts) a silo on its ports and waits until the membership table lists it as active.</summary>
    public async Task StartSiloAsync(SiloNode node)
    {
        var startedAt = DateTime.UtcNow;
        node.Process = await GridProcess.StartSiloAsync(node.Environment, () => IsActiveSinceAsync(node.SiloPort, startedAt));
    }

    public async Task<GridProcess> AddApiAsync()
    {
        var api = await GridProcess.StartApiAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Identity"] = ConnectionString,
            ["Orleans__Mode"] = "Client",
        });
        _apis.Add(api);
        return api;
    }

    public async Task<GridProcess> ReplaceApiAsync(GridProcess api, bool kill)
    {
        if (kill)
        {
            await api.KillAsync();
        }
        else
        {
            await api.StopAsync();
        }

        _apis.Remove(api);
        await api.DisposeAsync();
        return await AddApiAsync();
    }

    /// <summary>Session grain activations per silo port, from the grid's own statistics.</summary>
    public async Task<Dictionary<int, int>> SessionActivationsBySiloAsync()
    {
        var statistics = await ManagementClient().GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics
            .Where(s => s.GrainType.Contains("SessionGrain", StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress.Endpoint.Port)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
    }

    /// <summary>Deactivates every idle grain on every silo: the next call to one reads storage.</summary>
    public Task DeactivateIdleGrainsAsync() =>
        ManagementClient().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        if (_management is not null)
        {
            await _management.StopAsync();
            _management.Dispose();
        }

        foreach (var silo in _silos.Where(s => s.Process is not null))
        {
            await silo.Process!.DisposeAsync();
        }
    }

    private IClusterClient ManagementClient()
    {
        if (_management is null)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Identity"] = ConnectionString });
            // It connects to the gateways as Api nodes do.
            builder.Configuration.AddInMemoryCollection(TestCertificates.Environment(GridRole.Api)
                .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)));
            builder.UseOrleansClient(client => client.ConfigureIdentityClient(builder.Configuration));
            _management = builder.Build();
            _management.StartAsync().GetAwaiter().GetResult();
        }

        return _management.Services.GetRequiredService<IClusterClient>();
    }

    private async Task<bool> IsActiveSinceAsync(int siloPort, DateTime since)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status FROM membership WHERE port = @port AND start_time >= @since ORDER BY generation DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("port", siloPort);
        command.Parameters.AddWithValue("since", since.AddSeconds(-1));
        return await command.ExecuteScalarAsync() is 3;
    }
}
