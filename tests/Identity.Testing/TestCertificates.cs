using Identity.Contracts.Security;
using Identity.DevCertificates;
using Identity.Grains.Hosting;

namespace Identity.Testing;

/// <summary>One private CA and certificate set for every process a test run starts (silos, Api nodes, the sample).</summary>
internal static class TestCertificates
{
    private static readonly Lazy<string> s_folder = new(() =>
        LocalCertificates.Ensure(Path.Combine(Path.GetTempPath(), $"identity-tests-tls-{Guid.NewGuid():N}")));

    public static string Folder => s_folder.Value;

    /// <summary>The <c>Tls__*</c> environment of a process holding the certificate of <paramref name="role"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment(GridRole role)
    {
        var name = role.ToString().ToLowerInvariant();
        yield return KeyValuePair.Create("Tls__CaCertificate", LocalCertificates.CertificatePath(Folder, "ca"));
        yield return KeyValuePair.Create("Tls__Certificate", LocalCertificates.CertificatePath(Folder, name));
        yield return KeyValuePair.Create("Tls__PrivateKey", LocalCertificates.KeyPath(Folder, name));
    }

    public static void Remove()
    {
        if (s_folder.IsValueCreated)
        {
            Directory.Delete(s_folder.Value, recursive: true);
        }
    }
}
