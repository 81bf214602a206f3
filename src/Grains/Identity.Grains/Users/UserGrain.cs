using System.Buffers.Text;
using System.Text;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.LoginNames;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Identity.Grains.Users;

/// <summary>
/// One account. Not reentrant: logins for one user are checked one after another, so the failure
/// count is exact however many arrive at once. The password hash itself runs on the hashing
/// threads (<see cref="IPasswordHasher"/>), not on the grain scheduler, while this grain waits.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState(IdentityStorage.UserState, IdentityStorage.ProviderName)] IPersistentState<UserState> state,
    IPasswordHasher hasher,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    IOptions<SessionOptions> sessionOptions,
    IOptions<LoginThrottleOptions> throttleOptions,
    TokenAuthenticator tokenKeys,
    IOptions<PasswordOptions> passwordOptions,
    IOptions<AccountOptions> accountOptions,
    SecretSealer sealer,
    PasskeyCeremonies passkeys,
    DeepCopier<UserState> copier,
    SecurityEvents events,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IUserSessionIndexGrain, IIncomingGrainCallFilter
{
    /// <summary>Every call continues its caller's trace: its log events carry the request's trace id.</summary>
    public Task Invoke(IIncomingGrainCallContext context) => TraceContext.InvokeResumedAsync(context);

    private Guid UserId => this.GetPrimaryKey();

    /// <summary>
    /// Sign-ins waiting for their second factor, by the digest of their ticket's secret. In memory
    /// only: a challenge lives minutes, and if this activation goes the user types the password again.
    /// </summary>
    private readonly Dictionary<string, SignInChallenge> _challenges = new(StringComparer.Ordinal);

    private const int MaxChallenges = 8;

    /// <summary>A browser's credential JSON is a few hundred bytes to a few kilobytes; beyond this it is refused unread.</summary>
    private const int MaxCredentialJson = 16 * 1024;

    /// <summary>The passkey registration this account's owner started (one at a time; memory only, as a challenge is).</summary>
    private (CredentialCreateOptions Options, DateTimeOffset IssuedAt)? _passkeyRegistration;

    /// <summary>Passkey assertions this account asked for (second factor, step-up), by their challenge.</summary>
    private readonly Dictionary<string, (AssertionOptions Options, DateTimeOffset IssuedAt)> _passkeyAssertions = new(StringComparer.Ordinal);

    /// <summary>Passwordless challenges already used with this account, until they expire: each signs in once.</summary>
    private readonly Dictionary<string, DateTimeOffset> _usedPasswordlessChallenges = new(StringComparer.Ordinal);

    private AccountOptions Accounts => accountOptions.Value;

    public Task<bool> ExistsAsync() => Task.FromResult(state.State.IsRegistered);

    public async Task<RegistrationResult> RegisterAsync(Registration registration)
    {
        if (state.State.IsRegistered)
        {
            throw new InvalidOperationException($"User {UserId} is already registered.");
        }

        var errors = UserState.CheckRegistration(registration, passwordOptions.Value.MinLength, out var names);
        if (errors.Count > 0)
        {
            return new RegistrationResult.Invalid(errors);
        }

        // Names are claimed before the costly hash so a taken name is refused at once.
        var claimed = new List<ILoginNameRegistryGrain>(names.Count);
        try
        {
            foreach (var (key, name, taken) in names)
            {
                var claim = GrainFactory.GetGrain<ILoginNameRegistryGrain>(key);
                if (!await claim.ClaimAsync(UserId, name))
                {
                    await ReleaseQuietlyAsync(claimed);
                    return taken;
                }

                claimed.Add(claim);
            }

            var email = registration.Email?.Normalize(NormalizationForm.FormC);
            if (email is not null && await GrainFactory.GetGrain<ILoginNameGrain>(UserState.EmailKeyOf(email)).ResolveAsync() is not null)
            {
                // Proven by another account already (an address merely waiting elsewhere does not count).
                await ReleaseQuietlyAsync(claimed);
                return new RegistrationResult.EmailTaken();
            }

            var passwordHash = await hasher.HashAsync(registration.Password);
            using var change = BeginChange();
            var displayName = registration.Username.Normalize(NormalizationForm.FormC);
            var now = time.GetUtcNow();
            state.State.Register(displayName, passwordHash, now);
            var verification = email is null ? null : state.State.BeginEmailVerification(UserId, email, now, Accounts);
            await change.CommitAsync();
            events.Registered(UserId);
            return new RegistrationResult.Registered(UserId, displayName, verification);
        }
        catch
        {
            await ReleaseQuietlyAsync(claimed);
            throw;
        }
    }

    public async Task<LoginResult> LoginAsync(Password password, ClientContext client, string? deviceToken, TokenGrant grant)
    {
        var user = state.State;
        var throttle = throttleOptions.Value;
        var now = time.GetUtcNow();
        if (password.Value.Length > Password.MaxLength * 2)
        {
            // Cannot be anyone's password; refused before any hashing, whoever the account is.
            return new LoginResult.Rejected(LoginRejection.WrongPassword);
        }

        if (!user.IsRegistered || user.Status != UserStatus.Active)
        {
            await hasher.SpendVerificationCostAsync(password);
            return Rejected(user.IsRegistered ? LoginRejection.Disabled : LoginRejection.UnknownUser, client);
        }

        // A client that signed in before counts as its own source, apart from its address.
        DeviceToken? device = DeviceToken.TryRead(deviceToken, tokenKeys, out var presented) && user.Trusts(presented, UserId, now, throttle)
            ? presented
            : null;
        var source = device?.Source ?? ClientSource.KeyOf(client);
        var gate = user.CheckLogin(source, device is not null, now, throttle);
        if (gate != LoginGate.Open)
        {
            // Same cost and same answer as a wrong password: the client cannot tell, so cannot probe.
            await hasher.SpendVerificationCostAsync(password);
            return Rejected(gate == LoginGate.AccountBlocked ? LoginRejection.LockedOut : LoginRejection.Throttled, client);
        }

        var verification = await hasher.VerifyAsync(password, user.PasswordHash!);
        if (!verification.Succeeded)
        {
            return Rejected(LoginRejection.WrongPassword, client, await RecordFailureAsync(source, device is not null, client));
        }

        var rehashed = verification.NeedsRehash ? await hasher.HashAsync(password) : null;
        var signIn = new SignInChallenge(source, device?.DeviceId, client, grant, rehashed, time.GetUtcNow());
        if (state.State.HasSecondFactor)
        {
            // The password alone clears nothing: failures and blocks stay until the second factor is proven.
            return IssueChallenge(signIn);
        }

        return await CompleteSignInAsync(signIn, factor: null);
    }

    /// <summary>The password (and the second factor, if any) proven: clears the source's failures, starts the session, renews the device token.</summary>
    private async Task<LoginResult.Succeeded> CompleteSignInAsync(SignInChallenge signIn, ProvenFactor? factor, string? amr = null)
    {
        // A device not seen before, on an account that has been signed in to before (a first sign-in is no news).
        var newDevice = signIn.DeviceId is null && state.State.LastLoginAt is not null;
        var now = time.GetUtcNow();
        using var change = BeginChange();
        state.State.RecordSuccessfulLogin(signIn.Source, now);
        if (signIn.Rehashed is not null)
        {
            state.State.ReplaceHash(signIn.Rehashed);
        }

        if (factor?.TotpStep is { } step)
        {
            UseTotpStep(step);
        }

        var tokens = await StartSessionAsync(change, signIn.Client, signIn.Grant, now, amr ?? AuthenticationMethods.Of(factor?.Kind, factor?.Synced ?? false));
        events.LoginSucceeded(UserId, tokens.SessionId, signIn.Client);
        var renewed = new DeviceToken(UserId, signIn.DeviceId ?? Guid.NewGuid(), now);
        return new LoginResult.Succeeded(UserId, tokens, renewed.Write(tokenKeys), state.State.PasswordChangeRequired, newDevice, state.State.Email, state.State.Username);
    }

    private LoginResult.SecondFactorRequired IssueChallenge(SignInChallenge signIn)
    {
        var now = signIn.IssuedAt;
        foreach (var expired in _challenges.Where(c => now >= c.Value.IssuedAt + Accounts.SecondFactorChallengeLifetime).Select(c => c.Key).ToList())
        {
            _challenges.Remove(expired);
        }

        if (_challenges.Count >= MaxChallenges)
        {
            _challenges.Remove(_challenges.MinBy(c => c.Value.IssuedAt).Key);
        }

        var (ticket, secret) = AccountTicket.Issue(AccountTicket.SecondFactor, UserId);
        _challenges[OneTimeSecrets.Digest(secret)] = signIn;
        return new LoginResult.SecondFactorRequired(ticket, state.State.SecondFactorMethods(), now + Accounts.SecondFactorChallengeLifetime);
    }

    public async Task<LoginResult> CompleteSignInAsync(string challengeSecret, SecondFactorProof proof, ClientContext client)
    {
        var digest = OneTimeSecrets.Digest(challengeSecret);
        var now = time.GetUtcNow();
        if (!_challenges.TryGetValue(digest, out var signIn) || now >= signIn.IssuedAt + Accounts.SecondFactorChallengeLifetime)
        {
            _challenges.Remove(digest);
            return Rejected(LoginRejection.SecondFactorFailed, client);
        }

        var user = state.State;
        if (!user.IsRegistered || user.Status != UserStatus.Active)
        {
            _challenges.Remove(digest);
            return Rejected(LoginRejection.Disabled, client);
        }

        // Every refused attempt spends one of the challenge's few, a throttled one too (it was a try).
        void SpendAttempt()
        {
            if (++signIn.FailedAttempts >= Accounts.CodeAttempts)
            {
                _challenges.Remove(digest);
            }
        }

        var trusted = signIn.DeviceId is not null;
        var gate = user.CheckLogin(signIn.Source, trusted, now, throttleOptions.Value);
        if (gate != LoginGate.Open)
        {
            SpendAttempt();
            return Rejected(gate == LoginGate.AccountBlocked ? LoginRejection.LockedOut : LoginRejection.Throttled, client);
        }

        if (await ProveSecondFactorAsync(proof, now) is not { } factor)
        {
            SpendAttempt();
            return Rejected(LoginRejection.SecondFactorFailed, client, await RecordFailureAsync(signIn.Source, trusted, client));
        }

        _challenges.Remove(digest);
        return await CompleteSignInAsync(signIn, factor);
    }

    /// <summary>A second factor that held: which, the TOTP step to record, whether a passkey was a synced one.</summary>
    private sealed record ProvenFactor(SecondFactorKind Kind, long? TotpStep, bool Synced);

    /// <summary>
    /// Checks a second factor; null when it does not hold. A recovery code is used up, and a
    /// passkey's counter recorded, at once (written before this returns); a TOTP step is returned
    /// for the caller to record with the change that follows.
    /// </summary>
    private async Task<ProvenFactor?> ProveSecondFactorAsync(SecondFactorProof proof, DateTimeOffset now)
    {
        var user = state.State;
        if (!user.HasSecondFactor || proof.Value.Length > (proof.Kind == SecondFactorKind.Passkey ? MaxCredentialJson : 64))
        {
            return null;
        }

        switch (proof.Kind)
        {
            case SecondFactorKind.Totp when user.Totp?.ConfirmedAt is not null:
                var secret = sealer.Open(user.Totp.SealedSecret, UserId);
                if (secret is null)
                {
                    LogTotpKeyMissing(logger, UserId);
                    return null;
                }

                return user.MatchTotp(secret, proof.Value, now) is { } step ? new ProvenFactor(SecondFactorKind.Totp, step, false) : null;
            case SecondFactorKind.Passkey:
                return await VerifyPasskeyAsync(proof.Value, passwordless: false) is { } passkey ? new ProvenFactor(SecondFactorKind.Passkey, null, passkey.Synced) : null;
            case SecondFactorKind.RecoveryCode:
                using (var change = BeginChange())
                {
                    if (!state.State.UseRecoveryCode(proof.Value))
                    {
                        return null;
                    }

                    await change.CommitAsync();
                }

                events.AccountChanged(UserId, $"used a recovery code ({state.State.RecoveryCodes.Count} left)");
                return new ProvenFactor(SecondFactorKind.RecoveryCode, null, false);
            default:
                return null;
        }
    }

    /// <summary>Records a used TOTP step (never accepted again), sealing the secret again under the active key if an older one sealed it.</summary>
    private void UseTotpStep(long step)
    {
        var app = state.State.Totp!;
        var sealedSecret = app.SealedSecret;
        if (!sealer.IsCurrent(sealedSecret) && sealer.Open(sealedSecret, UserId) is { } secret)
        {
            sealedSecret = sealer.Seal(secret, UserId);
        }

        state.State.Totp = app with { LastStep = step, SealedSecret = sealedSecret };
    }

    public async Task<IssuedTokens?> StartDelegatedSessionAsync(Guid signInSessionId, ClientContext client, TokenGrant grant)
    {
        var user = state.State;
        if (!user.IsRegistered || user.Status != UserStatus.Active || user.PasswordChangeRequired
            || !user.Sessions.Any(s => s.SessionId == signInSessionId)
            || await GrainFactory.GetGrain<ISessionGrain>(signInSessionId).GetViewAsync() is not { } signIn)
        {
            return null;
        }

        var now = time.GetUtcNow();
        using var change = BeginChange();
        var tokens = await StartSessionAsync(change, client, grant, now, signIn.Amr);
        events.DelegatedSessionStarted(UserId, tokens.SessionId, signInSessionId, grant.ClientId, client);
        return tokens;
    }

    /// <summary>Lists a new session (evicting the oldest past the limit), writes the account, then starts the session.</summary>
    private async Task<IssuedTokens> StartSessionAsync(StateChange<UserState> change, ClientContext client, TokenGrant grant, DateTimeOffset now, string? amr)
    {
        var sessionId = Guid.NewGuid();
        var evicted = state.State.AddSession(sessionId, now, sessionOptions.Value.MaxSessionsPerUser);
        // Sessions leaving the list are revoked first: a session must never be live without being listed.
        await RevokeSessionsAsync(evicted, SessionEndReason.EvictedBySessionLimit);
        await change.CommitAsync();
        return await GrainFactory.GetGrain<ISessionLifecycleGrain>(sessionId)
            .StartAsync(new SessionStart(UserId, state.State.Username!, client, grant, Amr: amr));
    }

    public async Task<PasswordChangeResult> ChangePasswordAsync(Password currentPassword, Password newPassword, Guid keepSessionId)
    {
        var user = state.State;
        if (!user.IsRegistered)
        {
            return new PasswordChangeResult.UnknownUser();
        }

        if ((PasswordText.Validate(newPassword.Value, passwordOptions.Value.MinLength)
            ?? PasswordPolicy.Refusal(newPassword.Value, [user.Username, user.Email])) is { } error)
        {
            return new PasswordChangeResult.InvalidNewPassword(error);
        }

        if (currentPassword.Value.Length > Password.MaxLength * 2)
        {
            return new PasswordChangeResult.CurrentPasswordRejected();
        }

        // The caller holds a session, so it is throttled as that session alone: a stranger's
        // failures elsewhere cannot stop an owner changing the password, nor count against the account.
        var source = SessionSource(keepSessionId);
        if (user.CheckLogin(source, trusted: true, time.GetUtcNow(), throttleOptions.Value) != LoginGate.Open)
        {
            await hasher.SpendVerificationCostAsync(currentPassword);
            return new PasswordChangeResult.CurrentPasswordRejected();
        }

        var verification = await hasher.VerifyAsync(currentPassword, user.PasswordHash!);
        if (!verification.Succeeded)
        {
            await RecordFailureAsync(source, trusted: true, ClientContext.Unknown);
            return new PasswordChangeResult.CurrentPasswordRejected();
        }

        if (PasswordText.IsWellFormed(currentPassword.Value)
            && string.Equals(currentPassword.Value.Normalize(NormalizationForm.FormC), newPassword.Value.Normalize(NormalizationForm.FormC), StringComparison.Ordinal))
        {
            // Checked only once the current password is proven: otherwise this answer would confirm a guess.
            return new PasswordChangeResult.InvalidNewPassword("The new password must differ from the current one.");
        }

        var newHash = await hasher.HashAsync(newPassword);
        using var change = BeginChange();
        var others = state.State.RemoveSessionsExcept(keepSessionId);
        await RevokeSessionsAsync(others, SessionEndReason.PasswordChanged);
        state.State.ChangePassword(newHash, time.GetUtcNow());
        await change.CommitAsync();
        return new PasswordChangeResult.Changed(others.Count, state.State.Email);
    }

    public async Task<ReauthenticationResult> ReauthenticateAsync(Guid sessionId, Password password, SecondFactorProof? proof)
    {
        var user = state.State;
        if (!user.IsRegistered || user.Status != UserStatus.Active || !user.HasSession(sessionId) || password.Value.Length > Password.MaxLength * 2)
        {
            await hasher.SpendVerificationCostAsync(password);
            return new ReauthenticationResult.Rejected();
        }

        if (user.HasSecondFactor && proof is null)
        {
            // Asked before the password is checked, so this answer confirms no guess.
            return new ReauthenticationResult.SecondFactorRequired(user.SecondFactorMethods());
        }

        // Throttled as the session alone, as a password change is: a stranger's failures cannot stop the owner.
        var source = SessionSource(sessionId);
        var now = time.GetUtcNow();
        if (user.CheckLogin(source, trusted: true, now, throttleOptions.Value) != LoginGate.Open)
        {
            await hasher.SpendVerificationCostAsync(password);
            return new ReauthenticationResult.Rejected();
        }

        if (!(await hasher.VerifyAsync(password, user.PasswordHash!)).Succeeded)
        {
            await RecordFailureAsync(source, trusted: true, ClientContext.Unknown);
            return new ReauthenticationResult.Rejected();
        }

        ProvenFactor? factor = null;
        if (state.State.HasSecondFactor && proof is not null)
        {
            factor = await ProveSecondFactorAsync(proof, now);
            if (factor is null)
            {
                await RecordFailureAsync(source, trusted: true, ClientContext.Unknown);
                return new ReauthenticationResult.Rejected();
            }

            if (factor.TotpStep is { } used)
            {
                using var change = BeginChange();
                UseTotpStep(used);
                await change.CommitAsync();
            }
        }

        var amr = AuthenticationMethods.Of(factor?.Kind, factor?.Synced ?? false);
        if (!await GrainFactory.GetGrain<ISessionLifecycleGrain>(sessionId).RecordAuthenticationAsync(amr))
        {
            return new ReauthenticationResult.Rejected();
        }

        events.AccountChanged(UserId, $"re-authenticated in session {sessionId} ({amr})");
        return new ReauthenticationResult.Done(time.GetUtcNow(), amr);
    }

    public async Task<EmailChangeResult> ResendEmailVerificationAsync()
    {
        if (!state.State.IsRegistered || state.State.PendingEmail is not { } pending)
        {
            return new EmailChangeResult.NothingPending();
        }

        using var change = BeginChange();
        var issued = state.State.BeginEmailVerification(UserId, pending, time.GetUtcNow(), Accounts);
        await change.CommitAsync();
        return new EmailChangeResult.Pending(issued);
    }

    public async Task<EmailChangeResult> ChangeEmailAsync(string email)
    {
        if (!state.State.IsRegistered)
        {
            return new EmailChangeResult.Invalid("The account no longer exists.");
        }

        if (!LoginName.TryNormalizeEmail(email, out var normalized, out var error))
        {
            return new EmailChangeResult.Invalid(error!);
        }

        if (state.State.Email is { } current && UserState.EmailKeyOf(current) == LoginName.EmailKey(normalized))
        {
            return new EmailChangeResult.Unchanged();
        }

        var owner = await GrainFactory.GetGrain<ILoginNameGrain>(LoginName.EmailKey(normalized)).ResolveAsync();
        if (owner is { } other && other != UserId)
        {
            return new EmailChangeResult.Taken();
        }

        using var change = BeginChange();
        var issued = state.State.BeginEmailVerification(UserId, email.Normalize(NormalizationForm.FormC), time.GetUtcNow(), Accounts);
        await change.CommitAsync();
        events.AccountChanged(UserId, "asked for a new email address (waiting for its proof)");
        return new EmailChangeResult.Pending(issued);
    }

    public async Task<EmailVerificationResult> VerifyEmailAsync(string secret, bool isCode)
    {
        if (!state.State.IsRegistered || secret.Length > 128)
        {
            return new EmailVerificationResult.Invalid();
        }

        using var change = BeginChange();
        if (!state.State.ProvesPendingEmail(secret, isCode, time.GetUtcNow(), Accounts))
        {
            if (isCode && state.State.EmailVerification is not null)
            {
                // The wrong code is counted before answering: attempts survive a restart.
                await change.CommitAsync();
            }

            return new EmailVerificationResult.Invalid();
        }

        // The first account to prove an address gets it: claiming its login name decides.
        var address = state.State.PendingEmail!;
        var claim = GrainFactory.GetGrain<ILoginNameRegistryGrain>(UserState.EmailKeyOf(address));
        if (!await claim.ClaimAsync(UserId, LoginName.TryNormalizeEmail(address, out var normalized, out _) ? normalized : address))
        {
            state.State.DropPendingEmail();
            await change.CommitAsync();
            events.AccountChanged(UserId, "lost a waiting email address: another account proved it first");
            return new EmailVerificationResult.TakenByAnotherAccount(address);
        }

        var previous = state.State.AdoptPendingEmail();
        try
        {
            await change.CommitAsync();
        }
        catch
        {
            await ReleaseQuietlyAsync([claim]);
            throw;
        }

        if (previous is not null && UserState.EmailKeyOf(previous) != UserState.EmailKeyOf(address))
        {
            // After the write: a failed release leaves a claim whose owner no longer lists it, which
            // is harmless (the old address signs in to nothing: the account no longer accepts it) and
            // is given up when the address is next claimed (abandoned-claim rule).
            await ReleaseQuietlyAsync([GrainFactory.GetGrain<ILoginNameRegistryGrain>(UserState.EmailKeyOf(previous))]);
        }

        events.AccountChanged(UserId, previous is null ? "email verified" : "email changed and verified");
        return new EmailVerificationResult.Verified(address, previous, state.State.Username!);
    }

    public async Task<PasswordResetIssued?> RequestPasswordResetAsync()
    {
        if (!state.State.IsRegistered)
        {
            return null;
        }

        using var change = BeginChange();
        var issued = state.State.IssuePasswordReset(UserId, time.GetUtcNow(), Accounts);
        if (issued is null)
        {
            return null;
        }

        await change.CommitAsync();
        events.AccountChanged(UserId, "password reset link sent");
        return issued;
    }

    public async Task<PasswordResetResult> ResetPasswordAsync(string secret, Password newPassword)
    {
        var user = state.State;
        if (!user.IsRegistered || secret.Length > 128 || !user.AcceptsPasswordReset(secret, time.GetUtcNow(), Accounts))
        {
            return new PasswordResetResult.InvalidTicket();
        }

        if ((PasswordText.Validate(newPassword.Value, passwordOptions.Value.MinLength)
            ?? PasswordPolicy.Refusal(newPassword.Value, [user.Username, user.Email])) is { } error)
        {
            // The link stays usable: the owner tries another password.
            return new PasswordResetResult.InvalidNewPassword(error);
        }

        var newHash = await hasher.HashAsync(newPassword);
        using var change = BeginChange();
        var ended = state.State.RemoveSessionsExcept(Guid.Empty);
        await RevokeSessionsAsync(ended, SessionEndReason.PasswordChanged);
        state.State.ChangePassword(newHash, time.GetUtcNow());
        await change.CommitAsync();
        events.AccountChanged(UserId, $"password reset with an emailed link, {ended.Count} sessions ended");
        return new PasswordResetResult.Reset(ended.Count, state.State.Email, state.State.Username!);
    }

    public async Task<TotpEnrolment?> BeginTotpEnrolmentAsync()
    {
        if (!state.State.IsRegistered || state.State.HasSecondFactor)
        {
            return null;
        }

        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20); // 160 bits, as RFC 4226 recommends
        using var change = BeginChange();
        state.State.Totp = new TotpFactor(sealer.Seal(secret, UserId), time.GetUtcNow(), null, 0);
        await change.CommitAsync();
        var text = OtpNet.Base32Encoding.ToString(secret);
        var uri = new OtpNet.OtpUri(OtpNet.OtpType.Totp, text, state.State.Username!, Accounts.TotpIssuer).ToString();
        return new TotpEnrolment(text, uri);
    }

    public async Task<TotpConfirmation> ConfirmTotpAsync(string code)
    {
        if (state.State.Totp is not { ConfirmedAt: null } waiting || sealer.Open(waiting.SealedSecret, UserId) is not { } secret)
        {
            return new TotpConfirmation.NothingPending();
        }

        var now = time.GetUtcNow();
        if (state.State.MatchTotp(secret, code, now) is not { } step)
        {
            return new TotpConfirmation.WrongCode();
        }

        using var change = BeginChange();
        state.State.Totp = waiting with { ConfirmedAt = now, LastStep = step };
        var codes = state.State.RecoveryCodes.Count == 0 ? state.State.IssueRecoveryCodes() : null;
        await change.CommitAsync();
        events.AccountChanged(UserId, "second factor added: authenticator app");
        return new TotpConfirmation.Confirmed(codes, state.State.Email, state.State.Username!);
    }

    public async Task<FactorRemoval> RemoveTotpAsync()
    {
        if (!state.State.IsRegistered || state.State.Totp is null)
        {
            return new FactorRemoval(false, state.State.Email, state.State.Username ?? string.Empty);
        }

        var wasConfirmed = state.State.HasSecondFactor;
        using var change = BeginChange();
        state.State.RemoveTotp();
        await change.CommitAsync();
        events.AccountChanged(UserId, "second factor removed: authenticator app");
        return new FactorRemoval(wasConfirmed, state.State.Email, state.State.Username!);
    }

    public async Task<RecoveryCodes> RegenerateRecoveryCodesAsync()
    {
        if (!state.State.HasSecondFactor)
        {
            return new RecoveryCodes(null, state.State.Email, state.State.Username ?? string.Empty);
        }

        using var change = BeginChange();
        var codes = state.State.IssueRecoveryCodes();
        await change.CommitAsync();
        events.AccountChanged(UserId, "recovery codes replaced");
        return new RecoveryCodes(codes, state.State.Email, state.State.Username!);
    }

    public Task<AccountSecurity?> GetSecurityAsync()
    {
        var user = state.State;
        return Task.FromResult(user.IsRegistered
            ? new AccountSecurity(UserId, user.Username!, user.Email, user.PendingEmail, user.SecondFactorMethods(), user.RecoveryCodes.Count, user.PasswordChangedAt, [.. user.Passkeys.Select(p => p.ToSummary())])
            : null);
    }

    public Task<string?> BeginPasskeyRegistrationAsync()
    {
        if (!state.State.IsRegistered || state.State.Passkeys.Count >= passkeys.Options.MaxPerAccount)
        {
            return Task.FromResult<string?>(null);
        }

        var options = passkeys.Fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserId.ToByteArray(), Name = state.State.Username!, DisplayName = state.State.Username! },
            ExcludeCredentials = [.. state.State.Passkeys.Select(p => new PublicKeyCredentialDescriptor(Base64Url.DecodeFromChars(p.Id)))],
            // A discoverable credential with user verification: it can sign in alone, and counts as two factors.
            AuthenticatorSelection = new AuthenticatorSelection { ResidentKey = ResidentKeyRequirement.Required, UserVerification = UserVerificationRequirement.Required },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        _passkeyRegistration = (options, time.GetUtcNow());
        return Task.FromResult<string?>(options.ToJson());
    }

    public async Task<PasskeyRegistration> CompletePasskeyRegistrationAsync(string credentialJson, string? name)
    {
        if (_passkeyRegistration is not { } pending || time.GetUtcNow() >= pending.IssuedAt + passkeys.Options.CeremonyTimeout)
        {
            return new PasskeyRegistration.Refused("No passkey registration is waiting (or it took too long): start again.");
        }

        if (credentialJson.Length > MaxCredentialJson || Deserialize<AuthenticatorAttestationRawResponse>(credentialJson) is not { } attestation)
        {
            return new PasskeyRegistration.Refused("Not a WebAuthn credential (PublicKeyCredential.toJSON()).");
        }

        _passkeyRegistration = null;
        RegisteredPublicKeyCredential created;
        try
        {
            created = await passkeys.Fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = attestation,
                OriginalOptions = pending.Options,
                IsCredentialIdUniqueToUserCallback = (args, _) => Task.FromResult(!state.State.Passkeys.Exists(p => p.Id == Base64Url.EncodeToString(args.CredentialId))),
            });
        }
        catch (Exception ex) when (IsRefusedCredential(ex))
        {
            return new PasskeyRegistration.Refused(ex is Fido2VerificationException ? ex.Message : "The credential could not be read.");
        }

        var now = time.GetUtcNow();
        var passkey = new PasskeyCredential(
            Base64Url.EncodeToString(created.Id),
            Base64Url.EncodeToString(created.PublicKey),
            created.SignCount,
            PasskeyName(name, state.State.Passkeys.Count),
            created.IsBackupEligible,
            now,
            null);
        using var change = BeginChange();
        state.State.Passkeys.Add(passkey);
        var codes = state.State.RecoveryCodes.Count == 0 ? state.State.IssueRecoveryCodes() : null;
        await change.CommitAsync();
        events.AccountChanged(UserId, "second factor added: passkey");
        return new PasskeyRegistration.Added(passkey.ToSummary(), codes, state.State.Email, state.State.Username!);
    }

    /// <summary>The owner's name for a passkey, printable and short; else "Passkey N".</summary>
    private static string PasskeyName(string? name, int existing)
    {
        var clean = name is null ? string.Empty : string.Concat(name.Where(c => !char.IsControl(c))).Trim();
        return clean.Length is > 0 and <= 64 ? clean : $"Passkey {existing + 1}";
    }

    public async Task<FactorRemoval> RemovePasskeyAsync(string passkeyId)
    {
        if (!state.State.IsRegistered || !state.State.Passkeys.Exists(p => p.Id == passkeyId))
        {
            return new FactorRemoval(false, state.State.Email, state.State.Username ?? string.Empty);
        }

        using var change = BeginChange();
        state.State.RemovePasskey(passkeyId);
        await change.CommitAsync();
        events.AccountChanged(UserId, "second factor removed: passkey");
        return new FactorRemoval(true, state.State.Email, state.State.Username!);
    }

    public Task<string?> GetPasskeyAssertionOptionsAsync(string? challengeSecret)
    {
        var now = time.GetUtcNow();
        if (state.State.Passkeys.Count == 0
            || (challengeSecret is not null && !(_challenges.TryGetValue(OneTimeSecrets.Digest(challengeSecret), out var signIn) && now < signIn.IssuedAt + Accounts.SecondFactorChallengeLifetime)))
        {
            return Task.FromResult<string?>(null);
        }

        foreach (var expired in _passkeyAssertions.Where(a => now >= a.Value.IssuedAt + passkeys.Options.CeremonyTimeout).Select(a => a.Key).ToList())
        {
            _passkeyAssertions.Remove(expired);
        }

        if (_passkeyAssertions.Count >= MaxChallenges)
        {
            _passkeyAssertions.Remove(_passkeyAssertions.MinBy(a => a.Value.IssuedAt).Key);
        }

        var options = passkeys.Fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [.. state.State.Passkeys.Select(p => new PublicKeyCredentialDescriptor(Base64Url.DecodeFromChars(p.Id)))],
            UserVerification = UserVerificationRequirement.Preferred,
        });
        _passkeyAssertions[Base64Url.EncodeToString(options.Challenge)] = (options, now);
        return Task.FromResult<string?>(options.ToJson());
    }

    public async Task<LoginResult> SignInWithPasskeyAsync(string credentialJson, ClientContext client, string? deviceToken, TokenGrant grant)
    {
        var user = state.State;
        var now = time.GetUtcNow();
        if (!user.IsRegistered || user.Status != UserStatus.Active)
        {
            return Rejected(user.IsRegistered ? LoginRejection.Disabled : LoginRejection.UnknownUser, client);
        }

        DeviceToken? device = DeviceToken.TryRead(deviceToken, tokenKeys, out var presented) && user.Trusts(presented, UserId, now, throttleOptions.Value) ? presented : null;
        var source = device?.Source ?? ClientSource.KeyOf(client);
        var gate = user.CheckLogin(source, device is not null, now, throttleOptions.Value);
        if (gate != LoginGate.Open)
        {
            return Rejected(gate == LoginGate.AccountBlocked ? LoginRejection.LockedOut : LoginRejection.Throttled, client);
        }

        if (credentialJson.Length > MaxCredentialJson || await VerifyPasskeyAsync(credentialJson, passwordless: true) is not { } passkey)
        {
            return Rejected(LoginRejection.SecondFactorFailed, client, await RecordFailureAsync(source, device is not null, client));
        }

        return await CompleteSignInAsync(new SignInChallenge(source, device?.DeviceId, client, grant, null, now), factor: null, AuthenticationMethods.OfPasskey(passkey.Synced));
    }

    /// <summary>
    /// Verifies a passkey assertion of this account against the options it was made for — ones
    /// this grain issued, or (passwordless) a signed challenge not used before — and records the
    /// passkey's new counter and use before returning it. Null when anything does not hold.
    /// </summary>
    private async Task<PasskeyCredential?> VerifyPasskeyAsync(string credentialJson, bool passwordless)
    {
        var now = time.GetUtcNow();
        if (!PasskeyCeremonies.TryPeek(credentialJson, out var challenge, out var userHandle)
            || Deserialize<AuthenticatorAssertionRawResponse>(credentialJson) is not { } assertion)
        {
            return null;
        }

        var key = Base64Url.EncodeToString(challenge);
        AssertionOptions options;
        if (passwordless)
        {
            foreach (var expired in _usedPasswordlessChallenges.Where(c => c.Value <= now).Select(c => c.Key).ToList())
            {
                _usedPasswordlessChallenges.Remove(expired);
            }

            if (userHandle != UserId || !passkeys.IsLivePasswordlessChallenge(challenge) || _usedPasswordlessChallenges.ContainsKey(key))
            {
                return null;
            }

            _usedPasswordlessChallenges[key] = now + passkeys.Options.CeremonyTimeout;
            options = AssertionOptions.Create(passkeys.Configuration, challenge, [], UserVerificationRequirement.Required, null);
        }
        else if (_passkeyAssertions.Remove(key, out var issued) && now < issued.IssuedAt + passkeys.Options.CeremonyTimeout)
        {
            options = issued.Options;
        }
        else
        {
            return null;
        }

        var id = Base64Url.EncodeToString(assertion.RawId ?? []);
        if (state.State.Passkeys.Find(p => p.Id == id) is not { } stored)
        {
            return null;
        }

        VerifyAssertionResult verified;
        try
        {
            verified = await passkeys.Fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = assertion,
                OriginalOptions = options,
                StoredPublicKey = Base64Url.DecodeFromChars(stored.PublicKey),
                StoredSignatureCounter = stored.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) => Task.FromResult(
                    args.UserHandle is { Length: 16 } handle && new Guid(handle) == UserId
                    && state.State.Passkeys.Exists(p => p.Id == Base64Url.EncodeToString(args.CredentialId))),
            });
        }
        catch (Exception ex) when (IsRefusedCredential(ex))
        {
            LogPasskeyRefused(logger, UserId, ex.Message);
            return null;
        }

        var used = stored with { SignCount = verified.SignCount, LastUsedAt = now };
        using var change = BeginChange();
        state.State.Passkeys[state.State.Passkeys.FindIndex(p => p.Id == id)] = used;
        await change.CommitAsync();
        return used;
    }

    /// <summary>What verifying a browser's credential throws for one that is wrong or malformed (anything else is a fault of ours).</summary>
    private static bool IsRefusedCredential(Exception ex) =>
        ex is Fido2VerificationException or ArgumentException or FormatException or InvalidOperationException
            or System.Formats.Cbor.CborContentException or System.Security.Cryptography.CryptographicException or System.Text.Json.JsonException;

    private static T? Deserialize<T>(string json)
        where T : class
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<T>(json);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<SessionSummary>> ListSessionsAsync()
    {
        var summaries = await Task.WhenAll(state.State.Sessions.Select(s => GrainFactory.GetGrain<ISessionGrain>(s.SessionId).GetSummaryAsync()));
        return [.. summaries.OfType<SessionSummary>().OrderBy(s => s.CreatedAt)];
    }

    public async Task<bool> RevokeSessionAsync(Guid sessionId)
    {
        if (!state.State.HasSession(sessionId))
        {
            return false;
        }

        using var change = BeginChange();
        state.State.RemoveSession(sessionId);
        await RevokeSessionsAsync([sessionId], SessionEndReason.RevokedByOwner);
        await change.CommitAsync();
        return true;
    }

    public async Task<int> RevokeOtherSessionsAsync(Guid keepSessionId)
    {
        using var change = BeginChange();
        var others = state.State.RemoveSessionsExcept(keepSessionId);
        if (others.Count == 0)
        {
            return 0;
        }

        await RevokeSessionsAsync(others, SessionEndReason.RevokedByOwner);
        await change.CommitAsync();
        return others.Count;
    }

    public async Task DisableAsync()
    {
        if (!state.State.IsRegistered || state.State.Status == UserStatus.Disabled)
        {
            return;
        }

        using var change = BeginChange();
        var sessions = state.State.RemoveSessionsExcept(Guid.Empty);
        await RevokeSessionsAsync(sessions, SessionEndReason.AccountDisabled);
        state.State.Status = UserStatus.Disabled;
        await change.CommitAsync();
        events.AccountStatusChanged(UserId, nameof(UserStatus.Disabled));
    }

    public async Task EnableAsync()
    {
        if (!state.State.IsRegistered || state.State.Status == UserStatus.Active)
        {
            return;
        }

        using var change = BeginChange();
        state.State.Status = UserStatus.Active;
        state.State.ClearFailures();
        await change.CommitAsync();
        events.AccountStatusChanged(UserId, nameof(UserStatus.Active));
    }

    public Task<LoginThrottleStatus> GetLoginThrottleStatusAsync() => Task.FromResult(state.State.ThrottleStatus());

    public Task<UserProfile?> GetProfileAsync() =>
        Task.FromResult(state.State.IsRegistered ? state.State.ToProfile(UserId) : null);

    public Task<bool> HasConsentedAsync(string clientId, IReadOnlyList<string> scopes) =>
        Task.FromResult(state.State.IsRegistered && state.State.HasConsented(clientId, scopes));

    public async Task ConsentAsync(string clientId, IReadOnlyList<string> scopes)
    {
        if (!state.State.IsRegistered)
        {
            return;
        }

        using var change = BeginChange();
        state.State.Consent(clientId, scopes, time.GetUtcNow());
        await change.CommitAsync();
    }

    public async Task UnlockAsync()
    {
        if (!state.State.IsRegistered)
        {
            return;
        }

        using var change = BeginChange();
        state.State.ClearFailures();
        await change.CommitAsync();
    }

    public async Task<int> RequirePasswordChangeAsync()
    {
        if (!state.State.IsRegistered)
        {
            return 0;
        }

        using var change = BeginChange();
        var sessions = state.State.RemoveSessionsExcept(Guid.Empty);
        await RevokeSessionsAsync(sessions, SessionEndReason.RevokedByOperator);
        state.State.PasswordChangeRequired = true;
        await change.CommitAsync();
        return sessions.Count;
    }

    public async Task ResetSecondFactorsByOperatorAsync()
    {
        if (!state.State.IsRegistered)
        {
            return;
        }

        using var change = BeginChange();
        state.State.Totp = null;
        state.State.Passkeys.Clear();
        state.State.RecoveryCodes.Clear();
        var sessions = state.State.RemoveSessionsExcept(Guid.Empty);
        await RevokeSessionsAsync(sessions, SessionEndReason.RevokedByOperator);
        await change.CommitAsync();
        events.AccountChanged(UserId, "every second factor removed by an operator");
    }

    public async Task<int> EndSessionsByOperatorAsync(Guid? sessionId)
    {
        if (sessionId is { } one && !state.State.HasSession(one))
        {
            return 0;
        }

        using var change = BeginChange();
        IReadOnlyList<Guid> ended = sessionId is { } id && state.State.RemoveSession(id) ? [id] : state.State.RemoveSessionsExcept(Guid.Empty);
        if (ended.Count == 0)
        {
            return 0;
        }

        await RevokeSessionsAsync(ended, SessionEndReason.RevokedByOperator);
        await change.CommitAsync();
        return ended.Count;
    }

    public async Task<bool> EraseAsync()
    {
        if (!state.State.IsRegistered)
        {
            return false;
        }

        // Sessions first (ending one deletes its row), then the names, then the account's own row:
        // each step can be repeated, so an erasure interrupted by an outage completes when retried.
        await RevokeSessionsAsync([.. state.State.Sessions.Select(s => s.SessionId)], SessionEndReason.AccountErased);
        foreach (var key in state.State.LoginNameKeys())
        {
            await GrainFactory.GetGrain<ILoginNameRegistryGrain>(key).ReleaseAsync(UserId);
        }

        await state.ClearOrThrowAsync(this, logger);
        events.AccountErased(UserId);
        DeactivateOnIdle();
        return true;
    }

    public Task<bool> ListsSessionAsync(Guid sessionId) => Task.FromResult(state.State.HasSession(sessionId));

    public async Task OnSessionEndedAsync(Guid sessionId)
    {
        if (!state.State.HasSession(sessionId))
        {
            return;
        }

        using var change = BeginChange();
        state.State.RemoveSession(sessionId);
        try
        {
            await change.CommitAsync();
        }
        catch (Contracts.Errors.IdentityUnavailableException)
        {
            // One-way notification: nobody waits for it. The stale id points at a session that has no
            // state any more, so it is never listed, and it is dropped with the next change.
        }
    }

    /// <summary>Counts a failure; returns the address to tell when it just blocked the account.</summary>
    private async Task<string?> RecordFailureAsync(string source, bool trusted, ClientContext client)
    {
        var throttle = throttleOptions.Value;
        var now = time.GetUtcNow();
        (int Failures, bool AccountBlocked) counted;
        using (var change = BeginChange())
        {
            counted = state.State.RecordFailedLogin(source, trusted, now, throttle);
            await change.CommitAsync();
        }

        if (counted.Failures == throttle.FreeFailuresPerSource || counted.Failures == throttle.SourceBlockAfter)
        {
            events.SourceThrottled(UserId, source, now + throttle.SourceWaitAfter(counted.Failures), client);
        }

        if (counted.AccountBlocked)
        {
            events.LockedOut(UserId, state.State.LockedUntil!.Value, client);
            return state.State.Email;
        }

        return null;
    }

    private StateChange<UserState> BeginChange() => state.BeginChange(copier, this, logger);

    /// <summary>The throttling source of a caller that holds a session: that session alone.</summary>
    private static string SessionSource(Guid sessionId) => $"session:{sessionId:N}";

    /// <summary>Revokes sessions in parallel; if any cannot be revoked the failure surfaces (and the caller's change is undone).</summary>
    private async Task RevokeSessionsAsync(IReadOnlyList<Guid> sessionIds, SessionEndReason reason)
    {
        if (sessionIds.Count > 0)
        {
            await Task.WhenAll(sessionIds.Select(id => GrainFactory.GetGrain<ISessionLifecycleGrain>(id).RevokeForUserAsync(reason)));
        }
    }

    private LoginResult.Rejected Rejected(LoginRejection reason, ClientContext client, string? lockedNoticeTo = null)
    {
        events.LoginFailed(UserId, reason, client);
        return new LoginResult.Rejected(reason, lockedNoticeTo);
    }

    /// <summary>Gives up name claims of a registration that did not complete. Best effort: a claim whose release fails is abandoned, and reclaimable later.</summary>
    private async Task ReleaseQuietlyAsync(IEnumerable<ILoginNameRegistryGrain> claims)
    {
        foreach (var claim in claims)
        {
            try
            {
                await claim.ReleaseAsync(UserId);
            }
#pragma warning disable CA1031 // The original failure is what the caller must see; an abandoned claim is reclaimable.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogReleaseFailed(logger, ex, UserId);
            }
        }
    }


    [LoggerMessage(Level = LogLevel.Error, Message = "The authenticator-app secret of user {UserId} cannot be opened: the token key that sealed it is no longer in the ring (TokenKeys:Keys)")]
    private static partial void LogTotpKeyMissing(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A passkey assertion for user {UserId} was refused: {Reason}")]
    private static partial void LogPasskeyRefused(ILogger logger, Guid userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release a login-name claim of user {UserId}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid userId);
}
