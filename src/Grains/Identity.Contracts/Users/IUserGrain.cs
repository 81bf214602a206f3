using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Orleans.Concurrency;

namespace Identity.Contracts.Users;

/// <summary>
/// One account, keyed by its user id: credentials, failed-login counts and the ids of its live
/// sessions. Calls are processed one at a time, which is what makes failure counting exact.
/// </summary>
[Alias("identity.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Creates the account, claiming its username (and email) first.</summary>
    [Alias("Register")]
    Task<RegistrationResult> RegisterAsync(Registration registration);

    /// <summary>
    /// Checks the password and, on success, starts a session. <paramref name="deviceToken"/> is the
    /// one a previous login of this client returned, if any: it exempts the client from other
    /// sources' throttling.
    /// </summary>
    [Alias("Login")]
    Task<LoginResult> LoginAsync(Password password, ClientContext client, string? deviceToken, TokenGrant grant);

    /// <summary>
    /// Starts a session for a client the account's owner approved while signed in through
    /// <paramref name="signInSessionId"/> (the hosted pages' own session, which proves who they
    /// are: no password is asked again). Null when that session is not a live one of this account,
    /// or the account cannot sign in (disabled, or its password must be changed first).
    /// </summary>
    [Alias("StartDelegatedSession")]
    Task<IssuedTokens?> StartDelegatedSessionAsync(Guid signInSessionId, ClientContext client, TokenGrant grant);

    /// <summary>Whether the user already allowed the OpenID Connect client <paramref name="clientId"/> all of <paramref name="scopes"/>.</summary>
    [ReadOnly, Alias("HasConsented")]
    Task<bool> HasConsentedAsync(string clientId, IReadOnlyList<string> scopes);

    /// <summary>Remembers that the user allowed <paramref name="clientId"/> <paramref name="scopes"/>, so the consent page is not shown again for them.</summary>
    [Alias("Consent")]
    Task ConsentAsync(string clientId, IReadOnlyList<string> scopes);

    /// <summary>Changes the password and ends every session but <paramref name="keepSessionId"/>.</summary>
    [Alias("ChangePassword")]
    Task<PasswordChangeResult> ChangePasswordAsync(Password currentPassword, Password newPassword, Guid keepSessionId);

    /// <summary>The account's live sessions, oldest first.</summary>
    [ReadOnly, ResponseTimeout(ISessionGrain.FanOutReadTimeout), Alias("ListSessions")]
    Task<IReadOnlyList<SessionSummary>> ListSessionsAsync();

    /// <summary>Revokes one of the account's sessions; false when it is not one of them.</summary>
    [Alias("RevokeSession")]
    Task<bool> RevokeSessionAsync(Guid sessionId);

    /// <summary>Revokes every session of the account except <paramref name="keepSessionId"/>; returns how many were revoked.</summary>
    [Alias("RevokeOtherSessions")]
    Task<int> RevokeOtherSessionsAsync(Guid keepSessionId);

    /// <summary>Refuses further logins and ends every session of the account. Idempotent.</summary>
    [Alias("Disable")]
    Task DisableAsync();

    /// <summary>Allows logins again and clears every failure count and block. Idempotent.</summary>
    [Alias("Enable")]
    Task EnableAsync();

    /// <summary>The account for operators; null when there is none.</summary>
    [ReadOnly, Alias("GetProfile")]
    Task<UserProfile?> GetProfileAsync();

    /// <summary>Clears every failed-login count and block, leaving the account's status as it is. Idempotent.</summary>
    [Alias("Unlock")]
    Task UnlockAsync();

    /// <summary>
    /// Marks the password as to be changed and ends every session: the next login says so
    /// (<see cref="LoginResult.Succeeded.PasswordChangeRequired"/>) until the password is changed.
    /// Returns how many sessions were ended.
    /// </summary>
    [Alias("RequirePasswordChange")]
    Task<int> RequirePasswordChangeAsync();

    /// <summary>Ends one session of the account (<paramref name="sessionId"/>) or all (null) for an operator; returns how many ended.</summary>
    [Alias("EndSessionsByOperator")]
    Task<int> EndSessionsByOperatorAsync(Guid? sessionId);

    /// <summary>
    /// Erases the account: its sessions, its login names and its own row, from memory and the
    /// database (GDPR erasure). False when there was no account. Safe to repeat after a failure.
    /// </summary>
    [Alias("Erase")]
    Task<bool> EraseAsync();

    /// <summary>Failed-login counts and blocks, for operators and tests.</summary>
    [ReadOnly, Alias("GetLoginThrottleStatus")]
    Task<LoginThrottleStatus> GetLoginThrottleStatusAsync();

    /// <summary>True once the account is registered.</summary>
    [AlwaysInterleave, Alias("Exists")]
    Task<bool> ExistsAsync();
}
