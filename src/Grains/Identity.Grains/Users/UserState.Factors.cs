using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Identity.Contracts.Users;
using OtpNet;

namespace Identity.Grains.Users;

/// <summary>
/// An authenticator app (RFC 6238: SHA-1, 6 digits, 30 s): its shared key sealed (<see cref="SecretSealer"/>),
/// when it was confirmed with a first code (null: waiting), and the last time step used (never accepted again).
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.TotpFactor")]
public sealed record TotpFactor(
    [property: Id(0), JsonPropertyName("sealedSecret")] string SealedSecret,
    [property: Id(1), JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: Id(2), JsonPropertyName("confirmedAt")] DateTimeOffset? ConfirmedAt,
    [property: Id(3), JsonPropertyName("lastStep")] long LastStep);

/// <summary>
/// A passkey (WebAuthn credential): its id and COSE public key (Base64Url), the signature counter
/// last seen (a counter that goes back means a cloned authenticator), whether it can be synced
/// between devices, and when it was made and last used.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.PasskeyCredential")]
public sealed record PasskeyCredential(
    [property: Id(0), JsonPropertyName("id")] string Id,
    [property: Id(1), JsonPropertyName("publicKey")] string PublicKey,
    [property: Id(2), JsonPropertyName("signCount")] uint SignCount,
    [property: Id(3), JsonPropertyName("name")] string Name,
    [property: Id(4), JsonPropertyName("synced")] bool Synced,
    [property: Id(5), JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: Id(6), JsonPropertyName("lastUsedAt")] DateTimeOffset? LastUsedAt)
{
    public PasskeySummary ToSummary() => new(Id, Name, CreatedAt, LastUsedAt, Synced);
}

/// <summary>The account's second factors, with the rules that check them.</summary>
public sealed partial class UserState
{
    public const int RecoveryCodeCount = 10;
    private const string RecoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford's base 32: no I, L, O, U
    private const int RecoveryCodeLength = 16; // 80 bits

    /// <summary>The authenticator app, confirmed or waiting for its first code.</summary>
    [Id(18), JsonPropertyName("totp")] public TotpFactor? Totp { get; set; }

    /// <summary>SHA-256 digests of the unused recovery codes (80 random bits each: a digest cannot be reversed).</summary>
    [Id(19), JsonPropertyName("recoveryCodes")] public List<string> RecoveryCodes { get; set; } = [];

    /// <summary>Passkeys: each signs in alone, or completes a password sign-in.</summary>
    [Id(20), JsonPropertyName("passkeys")] public List<PasskeyCredential> Passkeys { get; set; } = [];

    /// <summary>Whether signing in with the password takes a second factor.</summary>
    [JsonIgnore]
    public bool HasSecondFactor => Totp?.ConfirmedAt is not null || Passkeys.Count > 0;

    /// <summary>What a sign-in may complete with: <c>totp</c>, <c>passkey</c>, <c>recovery_code</c>.</summary>
    public IReadOnlyList<string> SecondFactorMethods()
    {
        var methods = new List<string>(3);
        if (Totp?.ConfirmedAt is not null)
        {
            methods.Add("totp");
        }

        if (Passkeys.Count > 0)
        {
            methods.Add("passkey");
        }

        if (methods.Count > 0 && RecoveryCodes.Count > 0)
        {
            methods.Add("recovery_code");
        }

        return methods;
    }

    /// <summary>
    /// The time step <paramref name="code"/> matches for <paramref name="secret"/> at <paramref name="now"/>
    /// (one step of clock drift either way), if it is later than the last one used; else null.
    /// </summary>
    public long? MatchTotp(byte[] secret, string code, DateTimeOffset now)
    {
        var typed = OneTimeSecrets.Canonical(code);
        if (Totp is not { } app || typed.Length != 6 || !typed.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new OtpNet.Totp(secret);
        return totp.VerifyTotp(now.UtcDateTime, typed, out var step, new VerificationWindow(previous: 1, future: 1)) && step > app.LastStep
            ? step
            : null;
    }

    /// <summary>Uses one recovery code: true (and it is gone) when it is one of the unused ones.</summary>
    public bool UseRecoveryCode(string code)
    {
        var typed = OneTimeSecrets.Canonical(code).Replace('O', '0').Replace('I', '1').Replace('L', '1');
        if (typed.Length != RecoveryCodeLength)
        {
            return false;
        }

        var digest = OneTimeSecrets.Digest(typed);
        var index = RecoveryCodes.FindIndex(d => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(d), System.Text.Encoding.ASCII.GetBytes(digest)));
        if (index < 0)
        {
            return false;
        }

        RecoveryCodes.RemoveAt(index);
        return true;
    }

    /// <summary>Ten new recovery codes (shown once, as XXXX-XXXX-XXXX-XXXX); the old ones are void.</summary>
    public IReadOnlyList<string> IssueRecoveryCodes()
    {
        var codes = new List<string>(RecoveryCodeCount);
        RecoveryCodes = new List<string>(RecoveryCodeCount);
        for (var i = 0; i < RecoveryCodeCount; i++)
        {
            var code = RandomNumberGenerator.GetString(RecoveryAlphabet, RecoveryCodeLength);
            RecoveryCodes.Add(OneTimeSecrets.Digest(code));
            codes.Add(string.Join('-', code.Chunk(4).Select(chunk => new string(chunk))));
        }

        return codes;
    }

    /// <summary>Removes the authenticator app and, with no second factor left, the recovery codes.</summary>
    public bool RemoveTotp()
    {
        var had = Totp is not null;
        Totp = null;
        ForgetRecoveryCodesIfAlone();
        return had;
    }

    /// <summary>Removes a passkey and, with no second factor left, the recovery codes.</summary>
    public bool RemovePasskey(string id)
    {
        var removed = Passkeys.RemoveAll(p => p.Id == id) > 0;
        ForgetRecoveryCodesIfAlone();
        return removed;
    }

    /// <summary>Recovery codes stand in for a second factor: with none left, they go too.</summary>
    private void ForgetRecoveryCodesIfAlone()
    {
        if (!HasSecondFactor)
        {
            RecoveryCodes.Clear();
        }
    }
}
