using Identity.Contracts.Sessions;

namespace Identity.Grains.Users;

/// <summary>
/// A sign-in whose password was right, waiting for its second factor: what the session will be
/// started with once it comes. Kept in the user grain's memory only (never stored).
/// </summary>
internal sealed class SignInChallenge(string source, Guid? deviceId, ClientContext client, TokenGrant grant, string? rehashed, DateTimeOffset issuedAt)
{
    /// <summary>The throttling source of the password check (an address, or a device).</summary>
    public string Source { get; } = source;

    /// <summary>The device of a valid device token the client presented, if any.</summary>
    public Guid? DeviceId { get; } = deviceId;

    public ClientContext Client { get; } = client;

    public TokenGrant Grant { get; } = grant;

    /// <summary>The password hashed at the current cost, when the stored hash was older.</summary>
    public string? Rehashed { get; } = rehashed;

    public DateTimeOffset IssuedAt { get; } = issuedAt;

    /// <summary>Attempts refused so far (wrong factor, or throttled): at <see cref="AccountOptions.CodeAttempts"/> the challenge is void.</summary>
    public int FailedAttempts { get; set; }
}
