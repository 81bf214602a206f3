using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Identity.DevTools;

namespace Identity.DevCertificates;

/// <summary>
/// A private certificate authority and one certificate per grid role, as PEM files in a folder:
/// <c>ca.crt</c> (and its key <c>ca.key</c>, to issue more), <c>silo.crt/.key</c>,
/// <c>api.crt/.key</c> and <c>service.crt/.key</c>. Keys are ECDSA P-256, written readable by
/// their owner only from creation. Created once; later calls reuse what is there. Several
/// processes starting together create one set (a lock file serializes them).
/// </summary>
public static class LocalCertificates
{
    /// <summary>The roles the grid knows; the role is the certificate's OU (see Identity.Contracts.Security.GridRole).</summary>
    public static readonly IReadOnlyList<string> Roles = ["silo", "api", "service"];

    public const string OrganizationalUnitPrefix = "identity-grid-";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(3650);

    /// <summary>Makes sure <paramref name="directory"/> holds the CA and a certificate per role; returns the full path of the folder.</summary>
    public static string Ensure(string directory)
    {
        var folder = Path.GetFullPath(directory);
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var gate = AcquireLock(folder);
        if (Roles.All(role => File.Exists(CertificatePath(folder, role))) && File.Exists(CertificatePath(folder, "ca")))
        {
            return folder;
        }

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=identity-grid private CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now + Lifetime);
        Write(folder, "ca", ca, caKey);

        foreach (var role in Roles)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = Issue(ca, caKey, key, role, now);
            Write(folder, role, certificate, key);
        }

        return folder;
    }

    public static string CertificatePath(string folder, string name) => Path.Combine(folder, name + ".crt");

    public static string KeyPath(string folder, string name) => Path.Combine(folder, name + ".key");

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, ECDsa key, string role, DateTimeOffset now)
    {
        var request = new CertificateRequest($"CN=identity-grid {role}, OU={OrganizationalUnitPrefix}{role}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Silos are TLS servers and clients (to each other); Api nodes and services are clients.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Span<byte> serial = stackalloc byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now, now + Lifetime - TimeSpan.FromDays(1), serial);
    }

    private static void Write(string folder, string name, X509Certificate2 certificate, ECDsa key)
    {
        SecretFiles.Write(KeyPath(folder, name), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CertificatePath(folder, name), certificate.ExportCertificatePem());
    }

    private static FileStream AcquireLock(string folder)
    {
        var path = Path.Combine(folder, ".lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(50);
            }
        }
    }
}
