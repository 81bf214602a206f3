using System.Net;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Identity.Grains.Hosting;

/// <summary>The one place a silo of the identity grid is configured; used by src/Silo and by src/Api in single-node mode.</summary>
public static class IdentityGridSiloBuilderExtensions
{
    /// <summary>
    /// Everything a grid node needs: the grains' services and options, storage, and cluster
    /// membership, read from <paramref name="configuration"/>.
    /// </summary>
    public static ISiloBuilder ConfigureIdentitySilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddIdentityGrid();
        var cluster = configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback);
        return silo;
    }

    /// <summary>
    /// The grains' services, options and storage, without membership: for hosts that bring their
    /// own clustering, such as the test cluster.
    /// </summary>
    public static ISiloBuilder AddIdentityGrid(this ISiloBuilder silo)
    {
        var services = silo.Services;
        AddValidatedOptions<SessionOptions, SessionOptionsValidator>(services, SessionOptions.Section);
        AddValidatedOptions<LockoutOptions, LockoutOptionsValidator>(services, LockoutOptions.Section);
        AddValidatedOptions<PasswordOptions, PasswordOptionsValidator>(services, PasswordOptions.Section);

        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher, Argon2idPasswordHasher>();
        services.TryAddSingleton<IdentityStateSerializer>();

        silo.AddMemoryGrainStorage(IdentityStorage.ProviderName, options => options.Configure<IServiceProvider>(
            (storage, provider) => storage.GrainStorageSerializer = provider.GetRequiredService<IdentityStateSerializer>()));
        return silo;
    }

    private static void AddValidatedOptions<TOptions, TValidator>(IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }
}

/// <summary>Cluster identity and ports. Configuration section <c>Orleans</c>.</summary>
public sealed class ClusterSettings
{
    public const string Section = "Orleans";

    /// <summary>Silos with the same ClusterId form one cluster. Default <c>identity-grid</c>.</summary>
    public string ClusterId { get; set; } = "identity-grid";

    /// <summary>Stable across deployments; part of every storage key. Default <c>identity-grid</c>.</summary>
    public string ServiceId { get; set; } = "identity-grid";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (a separate Api process) connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;
}
