using System.Text;
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
    DeepCopier<UserState> copier,
    SecurityEvents events,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IUserSessionIndexGrain, IIncomingGrainCallFilter
{
    /// <summary>Every call continues its caller's trace: its log events carry the request's trace id.</summary>
    public Task Invoke(IIncomingGrainCallContext context) => TraceContext.InvokeResumedAsync(context);

    private Guid UserId => this.GetPrimaryKey();

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

            var passwordHash = await hasher.HashAsync(registration.Password);
            using var change = BeginChange();
            var displayName = registration.Username.Normalize(NormalizationForm.FormC);
            state.State.Register(displayName, registration.Email?.Normalize(NormalizationForm.FormC), passwordHash, time.GetUtcNow());
            await change.CommitAsync();
            events.Registered(UserId);
            return new RegistrationResult.Registered(UserId, displayName);
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
            await RecordFailureAsync(source, device is not null, client);
            return Rejected(LoginRejection.WrongPassword, client);
        }

        var rehashed = verification.NeedsRehash ? await hasher.HashAsync(password) : null;
        // A device not seen before, on an account that has been signed in to before (a first sign-in is no news).
        var newDevice = device is null && user.LastLoginAt is not null;
        now = time.GetUtcNow();
        using var change = BeginChange();
        state.State.RecordSuccessfulLogin(source, now);
        if (rehashed is not null)
        {
            state.State.ReplaceHash(rehashed);
        }

        var tokens = await StartSessionAsync(change, client, grant, now);
        events.LoginSucceeded(UserId, tokens.SessionId, client);
        var renewed = new DeviceToken(UserId, device?.DeviceId ?? Guid.NewGuid(), now);
        return new LoginResult.Succeeded(UserId, tokens, renewed.Write(tokenKeys), state.State.PasswordChangeRequired, newDevice, state.State.Email);
    }

    public async Task<IssuedTokens?> StartDelegatedSessionAsync(Guid signInSessionId, ClientContext client, TokenGrant grant)
    {
        var user = state.State;
        if (!user.IsRegistered || user.Status != UserStatus.Active || user.PasswordChangeRequired
            || !user.Sessions.Any(s => s.SessionId == signInSessionId)
            || await GrainFactory.GetGrain<ISessionGrain>(signInSessionId).GetViewAsync() is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        using var change = BeginChange();
        var tokens = await StartSessionAsync(change, client, grant, now);
        events.DelegatedSessionStarted(UserId, tokens.SessionId, signInSessionId, grant.ClientId, client);
        return tokens;
    }

    /// <summary>Lists a new session (evicting the oldest past the limit), writes the account, then starts the session.</summary>
    private async Task<IssuedTokens> StartSessionAsync(StateChange<UserState> change, ClientContext client, TokenGrant grant, DateTimeOffset now)
    {
        var sessionId = Guid.NewGuid();
        var evicted = state.State.AddSession(sessionId, now, sessionOptions.Value.MaxSessionsPerUser);
        // Sessions leaving the list are revoked first: a session must never be live without being listed.
        await RevokeSessionsAsync(evicted, SessionEndReason.EvictedBySessionLimit);
        await change.CommitAsync();
        return await GrainFactory.GetGrain<ISessionLifecycleGrain>(sessionId)
            .StartAsync(new SessionStart(UserId, state.State.Username!, client, grant));
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
        var source = $"session:{keepSessionId:N}";
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

    private async Task RecordFailureAsync(string source, bool trusted, ClientContext client)
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
        }
    }

    private StateChange<UserState> BeginChange() => state.BeginChange(copier, this, logger);

    /// <summary>Revokes sessions in parallel; if any cannot be revoked the failure surfaces (and the caller's change is undone).</summary>
    private async Task RevokeSessionsAsync(IReadOnlyList<Guid> sessionIds, SessionEndReason reason)
    {
        if (sessionIds.Count > 0)
        {
            await Task.WhenAll(sessionIds.Select(id => GrainFactory.GetGrain<ISessionLifecycleGrain>(id).RevokeForUserAsync(reason)));
        }
    }

    private LoginResult.Rejected Rejected(LoginRejection reason, ClientContext client)
    {
        events.LoginFailed(UserId, reason, client);
        return new LoginResult.Rejected(reason);
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


    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release a login-name claim of user {UserId}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid userId);
}
