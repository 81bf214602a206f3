using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Sessions;

/// <summary>
/// The server keys that authenticate session tokens (HMAC-SHA-256). Configuration section
/// <c>TokenKeys</c>. Every silo and every Api node must have the same keys: silos sign the tokens
/// they issue, Api nodes verify them before any grain call. To rotate, add a key, deploy it
/// everywhere, then make it <see cref="ActiveKeyId"/>; remove the old one once the longest-lived
/// token it signed (a refresh token: the session's absolute lifetime) has expired.
/// The default run generates a key for itself (see README); grid nodes must be given one.
/// </summary>
public sealed class TokenKeyOptions
{
    public const string Section = "TokenKeys";
    public const int MinimumKeyBytes = 32;

    /// <summary>The key new tokens are signed with; the others only verify. Default: the only key, when there is one.</summary>
    public int? ActiveKeyId { get; set; }

    /// <summary>The key ring: each key with an id 0–255 (the id travels in the token).</summary>
    public List<TokenKey> Keys { get; set; } = [];
}

/// <summary>One server key: <c>openssl rand -base64 32</c>.</summary>
public sealed class TokenKey
{
    public int Id { get; set; }

    /// <summary>Base64 of at least 32 random bytes. A secret: from a secret store or environment, never a committed file.</summary>
    public string Secret { get; set; } = string.Empty;

    public override string ToString() => $"TokenKey {{ Id = {Id}, secret redacted }}";
}

internal sealed class TokenKeyOptionsValidator() : OptionsValidator<TokenKeyOptions>(TokenKeyOptions.Section)
{
    protected override void Check(TokenKeyOptions options, Failures failures)
    {
        failures.Unless(options.Keys.Count > 0, nameof(options.Keys),
            "must hold at least one key (Id and Secret: base64 of 32 random bytes, e.g. `openssl rand -base64 32`). Every silo and Api node needs the same keys.");
        var seen = new HashSet<int>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            failures.Unless(key.Id is >= 0 and <= 255, $"Keys:{i}:Id", $"must be 0 to 255 (got {key.Id}).");
            failures.Unless(seen.Add(key.Id), $"Keys:{i}:Id", $"{key.Id} is used twice.");
            failures.Unless(DecodedLength(key.Secret) >= TokenKeyOptions.MinimumKeyBytes, $"Keys:{i}:Secret", $"must be base64 of at least {TokenKeyOptions.MinimumKeyBytes} random bytes.");
        }

        failures.Unless(
            options.ActiveKeyId is null ? options.Keys.Count <= 1 : options.Keys.Exists(k => k.Id == options.ActiveKeyId),
            nameof(options.ActiveKeyId),
            options.ActiveKeyId is null ? "must name the signing key when there are several." : $"names no configured key ({options.ActiveKeyId}).");
    }

    private static int DecodedLength(string secret)
    {
        Span<byte> buffer = stackalloc byte[512];
        return Convert.TryFromBase64String(secret, buffer, out var written) ? written : 0;
    }
}
