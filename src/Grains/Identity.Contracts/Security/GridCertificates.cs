using System.Security.Cryptography.X509Certificates;

namespace Identity.Contracts.Security;

/// <summary>What a certificate lets its holder be in the grid: its OU is <c>identity-grid-&lt;role&gt;</c>.</summary>
public enum GridRole
{
    /// <summary>A grid node: may join the silo-to-silo links.</summary>
    Silo,

    /// <summary>
    /// An Api node, or a service trusted as much (the <c>Identity.Client</c> library's in-cluster
    /// mode): may connect to silos' gateways, and so call every grain.
    /// </summary>
    Api,

    /// <summary>A service: refused by the gateway (Orleans cannot tell a grain who its caller is); such services check tokens over HTTP introspection.</summary>
    Service,
}

/// <summary>How every end of an Orleans link of the grid judges the other's certificate.</summary>
public static class GridCertificates
{
    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="ca"/> (and only to it) and carries <paramref name="role"/>.</summary>
    public static bool IsTrusted(X509Certificate2 certificate, X509Certificate2 ca, GridRole role)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate)
            && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span)
            && RoleOf(certificate) == role;
    }

    /// <summary>The role in a certificate's subject (<c>OU=identity-grid-silo</c>…), or null.</summary>
    public static GridRole? RoleOf(X509Certificate2 certificate)
    {
        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (name.GetSingleElementType().Value == "2.5.4.11"
                && name.GetSingleElementValue() is { } unit
                && unit.StartsWith("identity-grid-", StringComparison.Ordinal)
                && Enum.TryParse<GridRole>(unit["identity-grid-".Length..], ignoreCase: true, out var role))
            {
                return role;
            }
        }

        return null;
    }
}
