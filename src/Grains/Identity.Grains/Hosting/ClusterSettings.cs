using System.Net;
using Microsoft.Extensions.Configuration;

namespace Identity.Grains.Hosting;

/// <summary>How the Api reaches the grid.</summary>
public enum ApiHostingMode
{
    /// <summary>The Api process hosts a silo itself (single node; the default run).</summary>
    CoHosted = 0,

    /// <summary>The Api is a stateless Orleans client of separate silos, found through the membership table.</summary>
    Client = 1,
}

/// <summary>Cluster identity, ports and addresses. Configuration section <c>Orleans</c>.</summary>
public sealed class ClusterSettings
{
    public const string Section = "Orleans";

    /// <summary>Silos with the same ClusterId form one cluster. Default <c>identity-grid</c>.</summary>
    public string ClusterId { get; set; } = "identity-grid";

    /// <summary>Stable across deployments; part of every storage key. Default <c>identity-grid</c>.</summary>
    public string ServiceId { get; set; } = "identity-grid";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (Api nodes in client mode) connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this silo. Default 127.0.0.1.</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface rather than only the advertised address (containers). Default false.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>For src/Api: <c>CoHosted</c> (default) or <c>Client</c>.</summary>
    public ApiHostingMode Mode { get; set; } = ApiHostingMode.CoHosted;

    public static ClusterSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();

    public IPAddress AdvertisedAddress() => IPAddress.TryParse(AdvertisedIPAddress, out var address)
        ? address
        : throw new InvalidOperationException($"{Section}:AdvertisedIPAddress '{AdvertisedIPAddress}' is not an IP address.");
}
