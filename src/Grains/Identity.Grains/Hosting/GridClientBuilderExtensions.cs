using Identity.Grains.Hosting.Options;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Identity.Grains.Hosting;

/// <summary>An Orleans client of the identity grid: how src/Api in client mode reaches separate silos.</summary>
public static class GridClientBuilderExtensions
{
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Finds the silos' gateways in the membership table of <c>ConnectionStrings:Identity</c>,
    /// refreshes that list every few seconds, and keeps retrying the first connection so the client
    /// may start before the silos. Connects with mutual TLS: its certificate must be an Api node's.
    /// </summary>
    public static IClientBuilder ConfigureIdentityClient(this IClientBuilder client, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new IdentityDatabaseException(
                "An Orleans client of the grid finds the silos through their membership table: set ConnectionStrings__Identity.");
        }

        var grid = configuration.BindValidated<GridOptions, GridOptionsValidator>(GridOptions.Section);
        client.UseGridTls(configuration.BindValidated<GridTlsOptions, GridTlsOptionsValidator>(GridTlsOptions.Section));
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = grid.ClusterId;
            o.ServiceId = grid.ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = IdentityDatabase.WithDefaults(connectionString);
        });
        client.AddTraceContext(configuration);
        if (configuration.BindValidated<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section).Dashboard)
        {
            client.AddDashboard();
        }
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = MembershipTuning.GatewayListRefreshPeriod);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = MembershipTuning.ResponseTimeout);
        client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
        {
            await Task.Delay(ConnectRetryDelay, cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        });
        return client;
    }
}
