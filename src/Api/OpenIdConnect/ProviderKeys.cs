using System.Security.Cryptography;
using Identity.Api.Grid;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// The provider's keys: ID-token signing keys (RS256 for RSA, ES256 for EC P-256), published in the
/// JWKS, and the key encrypting its own codes. Read once at start-up from
/// <see cref="OpenIdConnectOptions.SigningKeyFiles"/> and <see cref="OpenIdConnectOptions.EncryptionKey"/>;
/// a co-hosted node with none configured makes its own once and keeps them in
/// <see cref="OpenIdConnectOptions.LocalKeyDirectory"/> (readable by its owner only), so they
/// survive restarts; with in-memory storage they live as long as the process, like everything else.
/// </summary>
internal static class ProviderKeys
{
    public const string LocalSigningKeyFile = "signing-key.pem";
    public const string LocalEncryptionKeyFile = "encryption-key";

    /// <summary>Adds the keys; returns whether every node of the grid signs with them (configured, or a node of its own).</summary>
    public static bool AddProviderKeys(this OpenIddictServerBuilder server, OpenIdConnectOptions options, bool mayMakeOwn, bool ephemeral)
    {
        var signingFiles = options.SigningKeyFiles;
        var encryptionKey = options.EncryptionKey;
        if ((signingFiles.Count == 0 || encryptionKey is null) && !mayMakeOwn && options.Clients.Count > 0)
        {
            throw new Identity.Grains.Hosting.NodeStartupException(
                $"{OpenIdConnectOptions.Section}:SigningKeyFiles and {OpenIdConnectOptions.Section}:EncryptionKey are required on an Api node of a grid (Orleans:Mode=Client) with OpenID Connect clients: every node must sign and encrypt with the same keys.");
        }

        // No clients on a grid node: nothing will be signed or encrypted, so keys of the moment do
        // (and the admin API refuses to register clients on it: ProviderKeyStatus).
        var shared = mayMakeOwn || (signingFiles.Count > 0 && encryptionKey is not null);
        if (ephemeral || !shared)
        {
            // In-memory storage: the keys live as long as the sessions and codes they protect.
            if (signingFiles.Count == 0)
            {
                server.AddSigningKey(RsaKey(RSA.Create(2048)));
            }

            encryptionKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        else
        {
            if (signingFiles.Count == 0)
            {
                signingFiles = [Path.Combine(options.LocalKeyDirectory, LocalSigningKeyFile)];
                LocalTokenKey.ReadOrCreate(signingFiles[0], static () => RSA.Create(2048).ExportPkcs8PrivateKeyPem());
            }

            encryptionKey ??= LocalTokenKey.ReadOrCreate(
                Path.Combine(options.LocalKeyDirectory, LocalEncryptionKeyFile),
                static () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        foreach (var file in signingFiles)
        {
            server.AddSigningKey(Read(file));
        }

        server.AddEncryptionKey(new SymmetricSecurityKey(Convert.FromBase64String(encryptionKey)));
        return shared;
    }

    /// <summary>A PEM private key: RSA (signs RS256) or EC P-256 (signs ES256).</summary>
    internal static SecurityKey Read(string file)
    {
        var pem = File.ReadAllText(file);
        if (pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal) || IsEc(pem))
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec) { KeyId = KeyIdOf(ec.ExportSubjectPublicKeyInfo()) };
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return RsaKey(rsa);
    }

    private static bool IsEc(string pem)
    {
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static RsaSecurityKey RsaKey(RSA rsa) => new(rsa) { KeyId = KeyIdOf(rsa.ExportSubjectPublicKeyInfo()) };

    /// <summary>A stable <c>kid</c>: the public key's SHA-256, so every node names a shared key alike.</summary>
    private static string KeyIdOf(byte[] publicKey) => Base64UrlEncoder.Encode(SHA256.HashData(publicKey))[..16];
}

/// <summary>Whether this node's provider keys are the grid's (configured, or a single co-hosted node), so it may serve clients registered through the admin API.</summary>
internal sealed record ProviderKeyStatus(bool Shared);
