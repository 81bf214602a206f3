using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Identity.Grains.Hosting.Options;

namespace Identity.Api.Features.Introspection;

/// <summary>
/// Services allowed to call <c>POST /v1/introspect</c>. Configuration section <c>Introspection</c>.
/// Each client's secret is stored as its SHA-256 (hex), never in clear. A fast hash is right here
/// because client secrets are machine-generated and long (use at least 32 random bytes, e.g.
/// <c>openssl rand -base64 32</c>), unlike passwords.
/// </summary>
public sealed class IntrospectionOptions
{
    public const string Section = "Introspection";

    public List<IntrospectionClient> Clients { get; set; } = [];
}

public sealed class IntrospectionClient
{
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Lower- or upper-case hex SHA-256 of the UTF-8 secret: <c>printf %s "$SECRET" | sha256sum</c>.</summary>
    public string SecretSha256 { get; set; } = string.Empty;

    internal byte[] SecretDigest => Convert.FromHexString(SecretSha256);

    /// <summary>Constant-time check of a presented secret.</summary>
    internal bool Accepts(string secret)
    {
        Span<byte> presented = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), presented);
        return CryptographicOperations.FixedTimeEquals(presented, SecretDigest);
    }
}

internal sealed class IntrospectionOptionsValidator() : OptionsValidator<IntrospectionOptions>(IntrospectionOptions.Section)
{
    protected override void Check(IntrospectionOptions options, Failures failures)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"Clients:{i}");
            failures.Unless(!string.IsNullOrWhiteSpace(client.ClientId) && !client.ClientId.Contains(':', StringComparison.Ordinal), $"{at}:ClientId", "is required and may not contain ':'.");
            failures.Unless(string.IsNullOrWhiteSpace(client.ClientId) || seen.Add(client.ClientId), $"{at}:ClientId", $"'{client.ClientId}' is configured twice.");
            failures.Unless(client.SecretSha256.Length == 64 && client.SecretSha256.All(char.IsAsciiHexDigit), $"{at}:SecretSha256", "must be the 64-character hex SHA-256 of the client secret.");
        }
    }
}
