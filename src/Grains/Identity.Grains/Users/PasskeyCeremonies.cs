using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Identity.Grains.Hosting;
using Identity.Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Users;

/// <summary>
/// The WebAuthn side of passkeys, on the Fido2 library: it builds the options a browser's
/// <c>navigator.credentials</c> takes and verifies what comes back (attestation, assertion,
/// origin, relying party, signature, counter). The user grain keeps the credentials and decides.
/// A passwordless sign-in starts before anyone is known, so its challenge cannot wait in a grain:
/// it carries its own expiry and an HMAC under the token key ring, and the account's grain
/// refuses a challenge it has seen.
/// </summary>
public sealed class PasskeyCeremonies
{
    private const byte ChallengeTag = 0x50; // 'P': no other server-signed value verifies as this one
    private const int NonceBytes = 16;
    private const int ChallengeBytes = NonceBytes + 8 + 1 + 16;
    private readonly TokenAuthenticator keys;
    private readonly TimeProvider time;
    private readonly PasskeyOptions options;

    public PasskeyCeremonies(IOptions<PasskeyOptions> options, TokenAuthenticator keys, [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
    {
        this.options = options.Value;
        this.keys = keys;
        this.time = time;
        Configuration = new Fido2Configuration
        {
            RPID = this.options.RelyingPartyId,
            RPName = this.options.RelyingPartyName,
            Origins = new HashSet<string>(this.options.EffectiveOrigins, StringComparer.Ordinal),
            Timeout = (uint)this.options.CeremonyTimeout.TotalMilliseconds,
        };
        Fido2 = new Fido2(Configuration);
    }

    public Fido2Configuration Configuration { get; }

    public IFido2 Fido2 { get; }

    public PasskeyOptions Options => options;

    /// <summary>Options for signing in with a passkey and nothing else: any discoverable credential of this relying party, user verification required.</summary>
    public AssertionOptions PasswordlessOptions()
    {
        var challenge = new byte[ChallengeBytes];
        RandomNumberGenerator.Fill(challenge.AsSpan(0, NonceBytes));
        BinaryPrimitives.WriteInt64BigEndian(challenge.AsSpan(NonceBytes, 8), (time.GetUtcNow() + options.CeremonyTimeout).ToUnixTimeSeconds());
        challenge[NonceBytes + 8] = keys.ActiveKeyId;
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        keys.Sign(MacInput(challenge), mac);
        mac[..16].CopyTo(challenge.AsSpan(NonceBytes + 9));
        return AssertionOptions.Create(Configuration, challenge, [], UserVerificationRequirement.Required, null);
    }

    /// <summary>Whether <paramref name="challenge"/> is one <see cref="PasswordlessOptions"/> made, not yet expired.</summary>
    public bool IsLivePasswordlessChallenge(byte[] challenge) =>
        challenge.Length == ChallengeBytes
        && BinaryPrimitives.ReadInt64BigEndian(challenge.AsSpan(NonceBytes, 8)) > time.GetUtcNow().ToUnixTimeSeconds()
        && keys.Verify(challenge[NonceBytes + 8], MacInput(challenge), challenge.AsSpan(NonceBytes + 9));

    private static byte[] MacInput(byte[] challenge) => [ChallengeTag, .. challenge.AsSpan(0, NonceBytes + 9)];

    /// <summary>What a browser's credential (<c>PublicKeyCredential.toJSON()</c>) says about itself before it is verified: its challenge and, for an assertion, whose it claims to be.</summary>
    public static bool TryPeek(string credentialJson, out byte[] challenge, out Guid? userHandle)
    {
        challenge = [];
        userHandle = null;
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            var response = document.RootElement.GetProperty("response");
            using var clientData = JsonDocument.Parse(Base64Url.DecodeFromChars(response.GetProperty("clientDataJSON").GetString()));
            challenge = Base64Url.DecodeFromChars(clientData.RootElement.GetProperty("challenge").GetString());
            if (response.TryGetProperty("userHandle", out var handle) && handle.ValueKind == JsonValueKind.String
                && Base64Url.DecodeFromChars(handle.GetString()) is { Length: 16 } id)
            {
                userHandle = new Guid(id);
            }

            return challenge.Length > 0;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }
}
