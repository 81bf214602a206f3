using System.Net;
using System.Security.Cryptography.X509Certificates;
using Identity.Contracts.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Identity.Client;

/// <summary>
/// The Orleans client of in-cluster mode (configuration section <c>IdentityGrid:Cluster</c>): the
/// grid's gateways and its mutual TLS. The certificate must be one the gateways admit (role Api,
/// issued by the grid's CA): in-cluster mode is for services trusted as much as an Api node.
/// </summary>
public sealed class IdentityGridClusterOptions
{
    /// <summary>The configuration section <see cref="IdentityGridExtensions"/> reads by default.</summary>
    public const string Section = "IdentityGrid:Cluster";

    /// <summary>Silo gateways, <c>address:port</c> (e.g. <c>10.0.0.5:30000</c>).</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The grid's <c>Orleans:ClusterId</c>.</summary>
    public string ClusterId { get; set; } = "identity-grid";

    /// <summary>The grid's <c>Orleans:ServiceId</c>.</summary>
    public string ServiceId { get; set; } = "identity-grid";

    /// <summary>Mutual TLS, as the grid requires unless its operators turned it off (<c>Tls:Enabled=false</c>).</summary>
    public bool Tls { get; set; } = true;

    /// <summary>PEM file of the grid's CA.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>PEM file of this service's certificate (role Api).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM file of its private key.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>
    /// How long start-up keeps trying to reach a gateway before the service gives up (a refused
    /// certificate looks like an unreachable gateway: the handshake is closed).
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Connecting a service to the grid for in-cluster mode.</summary>
public static class IdentityGridClusterExtensions
{
    /// <summary>
    /// An Orleans client of the grid from <paramref name="section"/> (<see cref="IdentityGridClusterOptions"/>):
    /// static gateways, the grid's cluster and service ids, mutual TLS that trusts only silos of the
    /// grid's CA. Then <c>AddIdentityGrid(o =&gt; o.Mode = IdentityGridMode.InCluster)</c>.
    /// </summary>
    public static IHostApplicationBuilder UseIdentityGridCluster(this IHostApplicationBuilder builder, string section = IdentityGridClusterOptions.Section)
    {
        var options = builder.Configuration.GetSection(section).Get<IdentityGridClusterOptions>() ?? new IdentityGridClusterOptions();
        var gateways = options.Gateways.Select(gateway => IPEndPoint.TryParse(gateway, out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new InvalidOperationException($"{section}:Gateways: '{gateway}' is not address:port.")).ToArray();
        if (gateways.Length == 0)
        {
            throw new InvalidOperationException($"{section}:Gateways: name at least one gateway of the grid (address:port).");
        }

        X509Certificate2? certificate = null, ca = null;
        if (options.Tls)
        {
            if (!File.Exists(options.CaCertificate) || !File.Exists(options.Certificate) || !File.Exists(options.PrivateKey))
            {
                throw new InvalidOperationException($"{section}: CaCertificate, Certificate and PrivateKey must name the PEM files of the grid's CA and of this service's certificate (role Api) and key.");
            }

            ca = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificate);
            certificate = X509Certificate2.CreateFromPemFile(options.Certificate, options.PrivateKey);
        }

        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateways);
            var giveUpAt = DateTime.UtcNow + options.ConnectTimeout;
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                if (DateTime.UtcNow >= giveUpAt)
                {
                    throw new InvalidOperationException(
                        $"No gateway of the grid ({string.Join(", ", options.Gateways)}) accepted this service within {options.ConnectTimeout}: " +
                        "check the addresses, and that the certificate is the grid CA's with role Api (gateways refuse other roles).", exception);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            });
            if (certificate is not null)
            {
                client.UseTls(certificate, tls => tls.RemoteCertificateValidation = (silo, _, _) => GridCertificates.IsTrusted(silo, ca!, GridRole.Silo));
            }
        });
        return builder;
    }
}
