using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Identity.Contracts.Security;
using Identity.Grains.Hosting.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Identity.Grains.Hosting;

/// <summary>
/// Mutual TLS on every Orleans link (configuration section <c>Tls</c>). Silos and Orleans clients
/// present certificates issued by the grid's CA; a peer without one, or with one the CA did not
/// sign, is refused during the handshake, before any message. Orleans does not tell a grain which
/// connection a call came from, so privilege is decided per port when the connection is accepted:
/// the silo port admits only <see cref="GridRole.Silo"/> certificates, the gateway only
/// <see cref="GridRole.Api"/> ones. A service certificate opens neither: services use
/// <c>POST /v1/introspect</c>.
/// </summary>
public sealed class GridTlsOptions
{
    public const string Section = "Tls";

    /// <summary>On unless turned off explicitly, for a grid whose network is protected some other way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>PEM file of the CA that signs every certificate of the grid.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>This node's certificate: a PEM file (with <see cref="PrivateKey"/>) or a PFX file (with <see cref="Password"/>, if any).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM file of the certificate's private key (PKCS#8); readable by the service account only.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Password of a PFX <see cref="Certificate"/>.</summary>
    public string? Password { get; set; }

    public bool IsPfx => Certificate?.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) == true
        || Certificate?.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) == true;

    public override string ToString() => $"GridTlsOptions {{ Enabled = {Enabled}, CaCertificate = {CaCertificate}, Certificate = {Certificate}, secrets redacted }}";
}

public sealed class GridTlsOptionsValidator() : OptionsValidator<GridTlsOptions>(GridTlsOptions.Section)
{
    private const string Fix = "Issue the grid's certificates (README, \"Certificates\") or, only for a grid whose network is protected otherwise, set Tls:Enabled=false.";

    protected override void Check(GridTlsOptions options, Failures failures)
    {
        if (!options.Enabled)
        {
            return;
        }

        failures.Unless(File.Exists(options.CaCertificate), nameof(options.CaCertificate), $"must name the grid CA's certificate (PEM file; got '{options.CaCertificate}'). {Fix}");
        failures.Unless(File.Exists(options.Certificate), nameof(options.Certificate), $"must name this node's certificate (PEM or PFX file; got '{options.Certificate}'). {Fix}");
        failures.Unless(options.IsPfx || File.Exists(options.PrivateKey), nameof(options.PrivateKey), $"must name the PEM private key of Tls:Certificate (got '{options.PrivateKey}').");
    }
}

public static class GridTls
{
    /// <summary>Mutual TLS for a silo: silo-to-silo links with <see cref="GridRole.Silo"/> certificates, the gateway for <see cref="GridRole.Api"/> ones.</summary>
    public static ISiloBuilder UseGridTls(this ISiloBuilder silo, GridTlsOptions options)
    {
        if (!options.Enabled)
        {
            return silo;
        }

        var (certificate, ca) = Load(options);
        silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(Accepting(certificate, ca, GridRole.Silo)));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(Accepting(certificate, ca, GridRole.Api)));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(Accepting(certificate, ca, GridRole.Silo)));
        });
        return silo;
    }

    /// <summary>Mutual TLS for an Orleans client of the grid: it presents its certificate and accepts only silos of the grid's CA.</summary>
    public static IClientBuilder UseGridTls(this IClientBuilder client, GridTlsOptions options)
    {
        if (!options.Enabled)
        {
            return client;
        }

        var (certificate, ca) = Load(options);
        var tls = Accepting(certificate, ca, GridRole.Silo);
        return client.Configure<ClientConnectionOptions>(connections => connections.ConfigureConnection(connection => connection.UseClientTls(tls)));
    }

    private static TlsOptions Accepting(X509Certificate2 certificate, X509Certificate2 ca, GridRole peer) => new()
    {
        LocalCertificate = certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        // The grid's own CA decides, not the machine's trust store; names are not checked (nodes are
        // addressed by IP), the role in the certificate is.
        RemoteCertificateValidation = (remote, _, _) => GridCertificates.IsTrusted(remote, ca, peer),
    };

    private static (X509Certificate2 Certificate, X509Certificate2 Ca) Load(GridTlsOptions options)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificate!);
        var certificate = options.IsPfx
            ? X509CertificateLoader.LoadPkcs12FromFile(options.Certificate!, options.Password)
            : X509Certificate2.CreateFromPemFile(options.Certificate!, options.PrivateKey);
        return (certificate, ca);
    }
}
