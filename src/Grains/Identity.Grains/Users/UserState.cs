using System.Text.Json.Serialization;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Users;
using Identity.Grains.Passwords;

namespace Identity.Grains.Users;

/// <summary>Whether an account may sign in.</summary>
[GenerateSerializer, Alias("identity.UserStatus")]
public enum UserStatus
{
    Active = 0,
    Disabled = 1,
}

/// <summary>A session the user holds, as the user grain tracks it.</summary>
[GenerateSerializer, Alias("identity.UserSessionRef")]
public sealed record UserSessionRef(
    [property: Id(0), JsonPropertyName("sessionId")] Guid SessionId,
    [property: Id(1), JsonPropertyName("createdAt")] DateTimeOffset CreatedAt);

/// <summary>Failed password checks of one source (an address, or a device) on one account.</summary>
[GenerateSerializer, Alias("identity.SourceFailures")]
public sealed record SourceFailures(
    [property: Id(0), JsonPropertyName("source")] string Source,
    [property: Id(1), JsonPropertyName("failures")] int Failures,
    [property: Id(2), JsonPropertyName("lastFailureAt")] DateTimeOffset LastFailureAt);

/// <summary>Whether a login may check its password now.</summary>
public enum LoginGate
{
    Open,

    /// <summary>The source must wait (<see cref="LoginThrottleOptions.SourceWaitAfter"/>).</summary>
    SourceThrottled,

    /// <summary>The account ceiling was reached; only device-token clients may try.</summary>
    AccountBlocked,
}

/// <summary>A user's consent to one OpenID Connect client: the scopes allowed, and when last.</summary>
[GenerateSerializer, Immutable, Alias("identity.ClientConsent")]
public sealed record ClientConsent(
    [property: Id(0), JsonPropertyName("clientId")] string ClientId,
    [property: Id(1), JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: Id(2), JsonPropertyName("at")] DateTimeOffset At);

/// <summary>
/// Persisted state of one account, with the rules that change it. The user grain takes a copy
/// before a change and puts it back if the write fails.
/// </summary>
[GenerateSerializer, Alias("identity.UserState")]
public sealed partial class UserState
{
    /// <summary>The username as registered (display form). Null until registered.</summary>
    [Id(0), JsonPropertyName("username")] public string? Username { get; set; }

    /// <summary>
    /// The verified address: the account holds its login name and may sign in and recover with it.
    /// (Rows from before verification existed keep theirs as verified.) See <see cref="PendingEmail"/>.
    /// </summary>
    [Id(1), JsonPropertyName("email")] public string? Email { get; set; }

    /// <summary>Argon2id hash in PHC format; the password itself is never stored.</summary>
    [Id(2), JsonPropertyName("passwordHash")] public string? PasswordHash { get; set; }

    [Id(3), JsonPropertyName("status")] public UserStatus Status { get; set; }

    [Id(4), JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Consecutive failures from sources without a device token (toward <see cref="LoginThrottleOptions.AccountCeiling"/>).</summary>
    [Id(5), JsonPropertyName("consecutiveFailures")] public int ConsecutiveFailures { get; set; }

    /// <summary>Account-wide blocks since the last success.</summary>
    [Id(6), JsonPropertyName("lockoutsSinceLastSuccess")] public int LockoutsSinceLastSuccess { get; set; }

    /// <summary>Until when sources without a device token are refused.</summary>
    [Id(7), JsonPropertyName("lockedUntil")] public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>Live (or not yet pruned) sessions, oldest first. Bounded by <c>Sessions:MaxSessionsPerUser</c>.</summary>
    [Id(8), JsonPropertyName("sessions")] public List<UserSessionRef> Sessions { get; set; } = [];

    [Id(9), JsonPropertyName("passwordChangedAt")] public DateTimeOffset PasswordChangedAt { get; set; }

    /// <summary>Sources with recent failures, the one that failed longest ago first. Bounded by <c>LoginThrottle:MaxTrackedSources</c>.</summary>
    [Id(10), JsonPropertyName("sourceFailures")] public List<SourceFailures> SourceFailures { get; set; } = [];

    /// <summary>When the last password login succeeded.</summary>
    [Id(11), JsonPropertyName("lastLoginAt")] public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>An operator asked for a new password; cleared when it changes.</summary>
    [Id(12), JsonPropertyName("passwordChangeRequired")] public bool PasswordChangeRequired { get; set; }

    /// <summary>
    /// The OpenID Connect clients the user allowed, and which scopes: asked once per client, asked
    /// again only for scopes beyond these (or when the client asks with <c>prompt=consent</c>).
    /// </summary>
    [Id(13), JsonPropertyName("consents")] public List<ClientConsent> Consents { get; set; } = [];

    [JsonIgnore]
    public bool IsRegistered => Username is not null && PasswordHash is not null;

    /// <summary>Whether the user already allowed <paramref name="clientId"/> every one of <paramref name="scopes"/>.</summary>
    public bool HasConsented(string clientId, IEnumerable<string> scopes) =>
        Consents.Find(c => c.ClientId == clientId) is { } consent && scopes.All(s => consent.Scopes.Contains(s));

    /// <summary>Records that the user allowed <paramref name="clientId"/> <paramref name="scopes"/> (adding to what it had).</summary>
    public void Consent(string clientId, IEnumerable<string> scopes, DateTimeOffset now)
    {
        var previous = Consents.Find(c => c.ClientId == clientId);
        Consents.RemoveAll(c => c.ClientId == clientId);
        Consents.Add(new ClientConsent(clientId, [.. (previous?.Scopes ?? []).Union(scopes).Order(StringComparer.Ordinal)], now));
    }

    /// <summary>Whether <paramref name="source"/> may check a password now; <paramref name="trusted"/> when it presented a valid device token.</summary>
    public LoginGate CheckLogin(string source, bool trusted, DateTimeOffset now, LoginThrottleOptions throttle)
    {
        if (!trusted && LockedUntil is { } until && now < until)
        {
            return LoginGate.AccountBlocked;
        }

        return SourceFailures.Find(s => s.Source == source) is { } failed && now < failed.LastFailureAt + throttle.SourceWaitAfter(failed.Failures)
            ? LoginGate.SourceThrottled
            : LoginGate.Open;
    }

    /// <summary>
    /// Counts a failed password check against its source and, for a source without a device token,
    /// against the account. Returns the source's failure count and whether the account ceiling was just reached.
    /// </summary>
    public (int SourceFailures, bool AccountBlocked) RecordFailedLogin(string source, bool trusted, DateTimeOffset now, LoginThrottleOptions throttle)
    {
        SourceFailures.RemoveAll(s => s.LastFailureAt + throttle.SourceMemory <= now);
        var index = SourceFailures.FindIndex(s => s.Source == source);
        var failures = 1;
        if (index >= 0)
        {
            failures += SourceFailures[index].Failures;
            SourceFailures.RemoveAt(index);
        }
        else if (SourceFailures.Count >= throttle.MaxTrackedSources)
        {
            SourceFailures.RemoveRange(0, SourceFailures.Count - throttle.MaxTrackedSources + 1);
        }

        SourceFailures.Add(new SourceFailures(source, failures, now));
        if (trusted)
        {
            return (failures, false);
        }

        ConsecutiveFailures++;
        if (ConsecutiveFailures < throttle.AccountCeiling)
        {
            return (failures, false);
        }

        LockoutsSinceLastSuccess++;
        LockedUntil = now + throttle.AccountBlockOf(LockoutsSinceLastSuccess);
        ConsecutiveFailures = 0;
        return (failures, true);
    }

    /// <summary>A correct password from <paramref name="source"/>: its failures and the account count are cleared.</summary>
    public void RecordSuccessfulLogin(string source, DateTimeOffset now)
    {
        LastLoginAt = now;
        SourceFailures.RemoveAll(s => s.Source == source);
        ConsecutiveFailures = 0;
        LockoutsSinceLastSuccess = 0;
        LockedUntil = null;
    }

    /// <summary>Forgets every failure and block (a new password, or an operator enabling the account).</summary>
    public void ClearFailures()
    {
        SourceFailures.Clear();
        ConsecutiveFailures = 0;
        LockoutsSinceLastSuccess = 0;
        LockedUntil = null;
    }

    /// <summary>
    /// Whether <paramref name="device"/> was issued to this account since its password last changed
    /// (a new password ends the trust of every device), and is not too old. Milliseconds, as the token carries them.
    /// </summary>
    public bool Trusts(in DeviceToken device, Guid userId, DateTimeOffset now, LoginThrottleOptions throttle) =>
        device.UserId == userId
        && device.IssuedAt.ToUnixTimeMilliseconds() >= PasswordChangedAt.ToUnixTimeMilliseconds()
        && now - device.IssuedAt < throttle.TrustedDeviceLifetime;

    /// <summary>
    /// Checks a registration's fields; returns an error per bad field (empty when valid) and, when
    /// valid, the login-name keys to claim (the username's), each with the answer to give if another account owns it.
    /// </summary>
    public static Dictionary<string, string> CheckRegistration(
        Registration registration, int minPasswordLength, out List<(string Key, string Name, RegistrationResult Taken)> names)
    {
        var errors = new Dictionary<string, string>();
        names = [];
        if (LoginName.TryNormalizeUsername(registration.Username, out var username, out var usernameError))
        {
            names.Add((LoginName.UsernameKey(username), username, new RegistrationResult.UsernameTaken()));
        }
        else
        {
            errors["username"] = usernameError!;
        }

        // The address is not claimed here: it waits for its proof (the first account to prove it gets it).
        if (registration.Email is not null && !LoginName.TryNormalizeEmail(registration.Email, out _, out var emailError))
        {
            errors["email"] = emailError!;
        }

        if ((PasswordText.Validate(registration.Password.Value, minPasswordLength)
            ?? PasswordPolicy.Refusal(registration.Password.Value, [registration.Username, registration.Email])) is { } passwordError)
        {
            errors["password"] = passwordError;
        }

        return errors;
    }

    /// <summary>Registers the account; an <paramref name="email"/> given waits for its proof (<see cref="BeginEmailVerification"/>).</summary>
    public void Register(string username, string passwordHash, DateTimeOffset now)
    {
        Username = username;
        PasswordHash = passwordHash;
        Status = UserStatus.Active;
        CreatedAt = now;
        PasswordChangedAt = now;
    }

    /// <summary>Adds a session; returns the oldest ones that no longer fit under <paramref name="maxSessions"/>.</summary>
    public IReadOnlyList<Guid> AddSession(Guid sessionId, DateTimeOffset now, int maxSessions)
    {
        Sessions.Add(new UserSessionRef(sessionId, now));
        var excess = Sessions.Count - maxSessions;
        if (excess <= 0)
        {
            return [];
        }

        var evicted = Sessions.Take(excess).Select(s => s.SessionId).ToList();
        Sessions.RemoveRange(0, excess);
        return evicted;
    }

    public bool HasSession(Guid sessionId) => Sessions.Exists(s => s.SessionId == sessionId);

    public bool RemoveSession(Guid sessionId) => Sessions.RemoveAll(s => s.SessionId == sessionId) > 0;

    /// <summary>Keeps only <paramref name="keepSessionId"/>; returns the ids removed.</summary>
    public IReadOnlyList<Guid> RemoveSessionsExcept(Guid keepSessionId)
    {
        var removed = Sessions.Where(s => s.SessionId != keepSessionId).Select(s => s.SessionId).ToList();
        Sessions.RemoveAll(s => s.SessionId != keepSessionId);
        return removed;
    }

    public void ChangePassword(string passwordHash, DateTimeOffset now)
    {
        PasswordHash = passwordHash;
        PasswordChangedAt = now;
        PasswordChangeRequired = false;
        PasswordReset = null;
        ClearFailures();
    }

    /// <summary>The same password, hashed at the current cost (after a login proved it): nothing else changes.</summary>
    public void ReplaceHash(string passwordHash) => PasswordHash = passwordHash;

    public UserProfile ToProfile(Guid userId) => new(
        userId,
        Username!,
        Email,
        Status == UserStatus.Disabled,
        CreatedAt,
        LastLoginAt,
        PasswordChangedAt,
        PasswordChangeRequired,
        Sessions.Count,
        ThrottleStatus(),
        PendingEmail,
        HasSecondFactor,
        RecoveryCodes.Count);

    public LoginThrottleStatus ThrottleStatus() => new(
        ConsecutiveFailures,
        LockoutsSinceLastSuccess,
        LockedUntil,
        SourceFailures.ToDictionary(s => s.Source, s => s.Failures));

    /// <summary>The login-name keys this account holds (username, and email when it has one).</summary>
    public IEnumerable<string> LoginNameKeys()
    {
        if (LoginName.TryNormalizeUsername(Username!, out var username, out _))
        {
            yield return LoginName.UsernameKey(username);
        }

        if (Email is not null && LoginName.TryNormalizeEmail(Email, out var email, out _))
        {
            yield return LoginName.EmailKey(email);
        }
    }
}
