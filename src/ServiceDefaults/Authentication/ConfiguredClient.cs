using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Identity.ServiceDefaults.Authentication;

/// <summary>
/// A machine client configured by the operator (an introspecting service, an operator's tool): an
/// id and the SHA-256 (hex) of its secret, never the secret in clear. A fast hash is right here
/// because client secrets are machine-generated and long (use at least 32 random bytes, e.g.
/// <c>openssl rand -base64 32</c>), unlike passwords.
/// </summary>
public class ConfiguredClient
{
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Lower- or upper-case hex SHA-256 of the UTF-8 secret: <c>printf %s "$SECRET" | sha256sum</c>.</summary>
    public string SecretSha256 { get; set; } = string.Empty;

    /// <summary>Constant-time check of a presented secret.</summary>
    public bool Accepts(string secret)
    {
        Span<byte> presented = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), presented);
        return CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(SecretSha256));
    }

    /// <summary>
    /// Checks a configured list (<paramref name="listKey"/>, e.g. <c>Clients</c>): ids present, unique
    /// and without ':' (Basic authentication splits on it), secrets as 64 hex digits.
    /// </summary>
    public static void Check(IReadOnlyList<ConfiguredClient> clients, string listKey, Action<bool, string, string> unless)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < clients.Count; i++)
        {
            var client = clients[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"{listKey}:{i}");
            unless(!string.IsNullOrWhiteSpace(client.ClientId) && !client.ClientId.Contains(':', StringComparison.Ordinal), $"{at}:ClientId", "is required and may not contain ':'.");
            unless(string.IsNullOrWhiteSpace(client.ClientId) || seen.Add(client.ClientId), $"{at}:ClientId", $"'{client.ClientId}' is configured twice.");
            unless(client.SecretSha256.Length == 64 && client.SecretSha256.All(char.IsAsciiHexDigit), $"{at}:SecretSha256", "must be the 64-character hex SHA-256 of the client secret.");
        }
    }
}
