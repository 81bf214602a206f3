using Identity.Grains.Hosting;

namespace Identity.Api.Grid;

/// <summary>
/// The zero-setup default for the grid's mutual TLS: a co-hosted Api with no <c>Tls:Certificate</c>
/// configured uses a private CA and silo certificate of its own in <c>Tls:LocalDirectory</c>
/// (default <c>.data/tls</c>; tools/Identity.DevCertificates makes them once, keys mode 0600). The
/// same folder holds an Api-node certificate for local Orleans clients (samples/SessionCheck).
/// A grid of several nodes is given certificates issued by its operator; nothing is generated there.
/// </summary>
internal static class LocalCertificates
{
    public const string DirectorySetting = GridTlsOptions.Section + ":LocalDirectory";

    public static void UseLocalCertificatesWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        var tls = builder.Configuration.GetSection(GridTlsOptions.Section).Get<GridTlsOptions>() ?? new GridTlsOptions();
        if (!tls.Enabled || !string.IsNullOrWhiteSpace(tls.Certificate))
        {
            return;
        }

        var folder = DevCertificates.LocalCertificates.Ensure(
            builder.Configuration[DirectorySetting] is { Length: > 0 } configured ? configured : Path.Combine(".data", "tls"));
        builder.Configuration.AddInMemoryCollection(
        [
            new($"{GridTlsOptions.Section}:{nameof(GridTlsOptions.CaCertificate)}", DevCertificates.LocalCertificates.CertificatePath(folder, "ca")),
            new($"{GridTlsOptions.Section}:{nameof(GridTlsOptions.Certificate)}", DevCertificates.LocalCertificates.CertificatePath(folder, "silo")),
            new($"{GridTlsOptions.Section}:{nameof(GridTlsOptions.PrivateKey)}", DevCertificates.LocalCertificates.KeyPath(folder, "silo")),
        ]);
    }
}
