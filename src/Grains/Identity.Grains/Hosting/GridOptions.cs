using System.Net;
using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Hosting;

/// <summary>
/// Where a silo of the grid listens and which grid it belongs to. Configuration section
/// <c>Orleans</c> (the keys are Orleans' own terms: cluster id, service id, silo and gateway ports).
/// </summary>
public sealed class GridOptions
{
    public const string Section = "Orleans";

    /// <summary>Silos with the same ClusterId form one grid. Default <c>identity-grid</c>.</summary>
    public string ClusterId { get; set; } = "identity-grid";

    /// <summary>Stable across deployments; part of every storage key. Default <c>identity-grid</c>.</summary>
    public string ServiceId { get; set; } = "identity-grid";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (Api nodes in client mode, services) connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this silo. Default 127.0.0.1.</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface rather than only the advertised address (containers). Default false.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    public IPAddress AdvertisedAddress() => IPAddress.Parse(AdvertisedIPAddress);
}

public sealed class GridOptionsValidator() : OptionsValidator<GridOptions>(GridOptions.Section)
{
    protected override void Check(GridOptions options, Failures failures)
    {
        failures.Unless(!string.IsNullOrWhiteSpace(options.ClusterId), nameof(options.ClusterId), "must not be empty.");
        failures.Unless(!string.IsNullOrWhiteSpace(options.ServiceId), nameof(options.ServiceId), "must not be empty.");
        failures.Unless(options.SiloPort is >= 0 and <= 65535, nameof(options.SiloPort), $"must be a TCP port, 0 to 65535 (got {options.SiloPort}).");
        failures.Unless(options.GatewayPort is >= 0 and <= 65535, nameof(options.GatewayPort), $"must be a TCP port, 0 to 65535 (got {options.GatewayPort}).");
        failures.Unless(IPAddress.TryParse(options.AdvertisedIPAddress, out _), nameof(options.AdvertisedIPAddress), $"must be an IP address (got '{options.AdvertisedIPAddress}').");
    }
}
