using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Identity.Grains.Hosting;

/// <summary>An Orleans client of the identity grid: how src/Api reaches separate silos.</summary>
public static class IdentityGridClientBuilderExtensions
{
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Finds the silos' gateways in the membership table of <c>ConnectionStrings:Identity</c>,
    /// refreshes that list every few seconds, and keeps retrying the first connection so the Api
    /// may start before the silos.
    /// </summary>
    public static IClientBuilder ConfigureIdentityClient(this IClientBuilder client, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(StorageSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new IdentityDatabaseException(
                "In client mode (Orleans:Mode=Client) the Api finds the silos through their membership table: set ConnectionStrings__Identity.");
        }

        var cluster = ClusterSettings.From(configuration);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = IdentityDatabase.WithDefaultTimeouts(connectionString);
        });
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = ClusterTuning.GatewayListRefreshPeriod);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ClusterTuning.ResponseTimeout);
        client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
        {
            await Task.Delay(ConnectRetryDelay, cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        });
        return client;
    }
}
