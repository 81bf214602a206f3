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
    /// Completes a sign-in that answered <see cref="LoginResult.SecondFactorRequired"/>: the secret part
    /// of its ticket and a second factor. Wrong factors count like wrong passwords, and void the
    /// challenge after <c>Accounts:CodeAttempts</c>.
    /// </summary>
    [Alias("CompleteSignIn")]
    Task<LoginResult> CompleteSignInAsync(string challengeSecret, SecondFactorProof proof, ClientContext client);

    /// <summary>
    /// Proves again, within session <paramref name="sessionId"/>, who is there (password, and the
    /// second factor when the account has one): the session records when, for the changes that need
    /// a recent authentication. Throttled as that session alone.
    /// </summary>
    [Alias("Reauthenticate")]
    Task<ReauthenticationResult> ReauthenticateAsync(Guid sessionId, Password password, SecondFactorProof? proof);

    /// <summary>Starts proving the email address waiting on the account again: a new link and code (the old ones stop working).</summary>
    [Alias("ResendEmailVerification")]
    Task<EmailChangeResult> ResendEmailVerificationAsync();

    /// <summary>Sets a new address, which waits (unusable for sign-in, unclaimed) until a link or code proves it.</summary>
    [Alias("ChangeEmail")]
    Task<EmailChangeResult> ChangeEmailAsync(string email);

    /// <summary>Proves the waiting address with the secret of a link (<paramref name="isCode"/> false) or a code. The first account to prove an address gets it.</summary>
    [Alias("VerifyEmail")]
    Task<EmailVerificationResult> VerifyEmailAsync(string secret, bool isCode);

    /// <summary>
    /// A reset link for the account's verified address, or null (no verified address, disabled, or
    /// too many asked lately): the caller answers the same either way. A new link voids the last.
    /// </summary>
    [Alias("RequestPasswordReset")]
    Task<PasswordResetIssued?> RequestPasswordResetAsync();

    /// <summary>Sets a new password with the secret of a reset link: every session ends, every throttle clears.</summary>
    [Alias("ResetPassword")]
    Task<PasswordResetResult> ResetPasswordAsync(string secret, Password newPassword);

    /// <summary>A new authenticator-app secret, waiting for its first code (<see cref="ConfirmTotpAsync"/>); null when an app is already confirmed.</summary>
    [Alias("BeginTotpEnrolment")]
    Task<TotpEnrolment?> BeginTotpEnrolmentAsync();

    /// <summary>Confirms the waiting authenticator app with a code from it: sign-ins ask for a code from then on.</summary>
    [Alias("ConfirmTotp")]
    Task<TotpConfirmation> ConfirmTotpAsync(string code);

    /// <summary>Removes the authenticator app (and, with no second factor left, the recovery codes).</summary>
    [Alias("RemoveTotp")]
    Task<FactorRemoval> RemoveTotpAsync();

    /// <summary>Ten new recovery codes; the old ones stop working.</summary>
    [Alias("RegenerateRecoveryCodes")]
    Task<RecoveryCodes> RegenerateRecoveryCodesAsync();

    /// <summary>WebAuthn options (JSON for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>) to make a passkey; null when the account has as many as it may.</summary>
    [Alias("BeginPasskeyRegistration")]
    Task<string?> BeginPasskeyRegistrationAsync();

    /// <summary>Keeps the passkey the browser made (<c>PublicKeyCredential.toJSON()</c>) for the options last begun.</summary>
    [Alias("CompletePasskeyRegistration")]
    Task<PasskeyRegistration> CompletePasskeyRegistrationAsync(string credentialJson, string? name);

    [Alias("RemovePasskey")]
    Task<FactorRemoval> RemovePasskeyAsync(string passkeyId);

    /// <summary>
    /// WebAuthn options to prove one of the account's passkeys: for the sign-in waiting on
    /// <paramref name="challengeSecret"/>, or (null) for the caller's own session's step-up. Null
    /// when the account has no passkey or the sign-in is unknown.
    /// </summary>
    [Alias("GetPasskeyAssertionOptions")]
    Task<string?> GetPasskeyAssertionOptionsAsync(string? challengeSecret);

    /// <summary>Signs in with a passkey alone (a discoverable credential answering passwordless options); throttled like a password.</summary>
    [Alias("SignInWithPasskey")]
    Task<LoginResult> SignInWithPasskeyAsync(string credentialJson, ClientContext client, string? deviceToken, TokenGrant grant);

    /// <summary>The account's sign-in methods, for its owner; null when there is no account.</summary>
    [ReadOnly, Alias("GetSecurity")]
    Task<AccountSecurity?> GetSecurityAsync();

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

    /// <summary>
    /// Removes every second factor (authenticator app, passkeys, recovery codes) and ends every
    /// session: for support, once the owner who lost them all proved who they are. Idempotent.
    /// </summary>
    [Alias("ResetSecondFactorsByOperator")]
    Task ResetSecondFactorsByOperatorAsync();

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
