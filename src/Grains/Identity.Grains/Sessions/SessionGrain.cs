using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.OAuth;
using Identity.Grains.Storage;
using Identity.Grains.Telemetry;
using Identity.Grains.Revocations;
using Identity.Grains.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Identity.Grains.Sessions;

/// <summary>
/// One session. Validation reads only memory; every change a caller is told about (start,
/// rotation, revocation) is in storage before the call returns. A session that ends (logout,
/// revocation, reuse, expiry) deletes its row, so a revoked token can never come back after a restart.
/// </summary>
public sealed partial class SessionGrain(
    [PersistentState(IdentityStorage.SessionState, IdentityStorage.ProviderName)] IPersistentState<SessionState> state,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    IOptions<SessionOptions> options,
    DeepCopier<SessionState> copier,
    LastSeenFlusher lastSeenFlusher,
    TokenAuthenticator tokens,
    SecurityEvents events,
    GridMetrics metrics,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain, ISessionLifecycleGrain
{
    private readonly SessionOptions _options = options.Value;
    private Guid _sessionId;
    private DateTimeOffset _lastSeenInStorage;
    private bool _lastSeenDue;
    private IGrainTimer? _leaving;

    /// <summary>How long an activation without a session stays for calls that arrive together.</summary>
    internal static readonly TimeSpan NoSessionLinger = TimeSpan.FromSeconds(1);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sessionId = this.GetPrimaryKey();
        _lastSeenInStorage = state.State.LastSeenAt;
        state.State.ShareStrings();
        metrics.SessionActivated();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SessionDeactivated();
        lastSeenFlusher.Forget(_sessionId);
        await FlushLastSeenAsync();
    }

    public ValueTask<SessionView?> ValidateAccessTokenAsync(TokenDigest accessDigest)
    {
        var session = state.State;
        var now = time.GetUtcNow();
        if (!session.AccessDigest.FixedTimeEquals(accessDigest)
            || !session.IsLive(now, _options)
            || now >= _options.AccessExpiryOf(session.CreatedAt, session.AccessIssuedAt))
        {
            LeaveIfNoSession();
            return ValueTask.FromResult<SessionView?>(null);
        }

        MarkSeen(now);
        return ValueTask.FromResult<SessionView?>(ViewAt(now));
    }

    public ValueTask<SessionView?> GetViewAsync()
    {
        var now = time.GetUtcNow();
        if (!state.State.IsLive(now, _options))
        {
            LeaveIfNoSession();
            return ValueTask.FromResult<SessionView?>(null);
        }

        MarkSeen(now);
        return ValueTask.FromResult<SessionView?>(ViewAt(now));
    }

    /// <summary>"Last seen" in memory; the flusher writes it lazily (<see cref="SessionOptions.LastSeenWriteInterval"/>).</summary>
    private void MarkSeen(DateTimeOffset now)
    {
        state.State.LastSeenAt = now;
        if (!_lastSeenDue)
        {
            _lastSeenDue = true;
            lastSeenFlusher.MarkDue(_sessionId);
        }
    }

    private SessionView ViewAt(DateTimeOffset now)
    {
        var session = state.State;
        return new SessionView(
            _sessionId,
            session.UserId,
            session.Username,
            session.CreatedAt,
            _options.ExpiryOf(session.CreatedAt, now),
            session.AccessIssuedAt,
            _options.AccessExpiryOf(session.CreatedAt, session.AccessIssuedAt),
            session.Audience,
            session.Scope,
            session.ClientId,
            session.IsService,
            session.Amr,
            session.AuthenticatedAt ?? session.CreatedAt);
    }

    public async Task<IssuedTokens> StartAsync(SessionStart start)
    {
        // Not a filter on this class: the token check must not pay for one (TraceContext).
        using var trace = TraceContext.Resume();
        if (state.State.IsStarted)
        {
            throw new InvalidOperationException($"Session {_sessionId} has already started.");
        }

        var listed = start.IsService
            ? await GrainFactory.GetGrain<IServiceClientGrain>(start.Username).ListsSessionAsync(_sessionId)
            : await GrainFactory.GetGrain<IUserSessionIndexGrain>(start.UserId).ListsSessionAsync(_sessionId);
        if (!listed)
        {
            throw new InvalidOperationException($"Session {_sessionId} is not listed by its owner {start.Username}; sessions start only through their owner.");
        }

        var now = time.GetUtcNow();
        using var change = BeginChange();
        state.State.Start(start, now);
        var issued = IssueTokens(now);
        await CommitAsync(change);
        return issued;
    }

    public async Task<RefreshResult> RefreshAsync(TokenDigest refreshDigest, uint generation, ClientContext client)
    {
        using var trace = TraceContext.Resume();
        var session = state.State;
        var now = time.GetUtcNow();
        if (!session.IsLive(now, _options))
        {
            LeaveIfNoSession();
            return new RefreshResult.Rejected();
        }

        if (generation == session.RefreshGeneration && session.RefreshDigest.FixedTimeEquals(refreshDigest))
        {
            using var change = BeginChange();
            var issued = IssueTokens(now);
            state.State.Seen(client);
            await CommitAsync(change);
            events.TokensRefreshed(session.UserId, _sessionId, state.State.RefreshGeneration, client);
            return new RefreshResult.Rotated(issued);
        }

        if (session.IsRotatedAway(generation))
        {
            events.RefreshTokenReused(session.UserId, _sessionId, generation, session.RefreshGeneration, client);
            await EndAndNotifyOwnerAsync(SessionEndReason.RefreshTokenReused);
            return new RefreshResult.ReuseDetected();
        }

        return new RefreshResult.Rejected();
    }

    public async Task<bool> LogoutAsync(TokenDigest accessDigest)
    {
        using var trace = TraceContext.Resume();
        var session = state.State;
        if (!session.AccessDigest.FixedTimeEquals(accessDigest) || !session.IsLive(time.GetUtcNow(), _options))
        {
            LeaveIfNoSession();
            return false;
        }

        await EndAndNotifyOwnerAsync(SessionEndReason.Logout);
        return true;
    }

    public async Task<bool> RevokeAsync(SessionEndReason reason)
    {
        using var trace = TraceContext.Resume();
        if (!state.State.IsStarted)
        {
            return false;
        }

        await EndAndNotifyOwnerAsync(reason);
        return true;
    }

    public async Task<bool> RevokeForUserAsync(SessionEndReason reason)
    {
        using var trace = TraceContext.Resume();
        if (!state.State.IsStarted)
        {
            return false;
        }

        await EndAsync(reason);
        return true;
    }

    public async Task<bool> RecordAuthenticationAsync(string amr)
    {
        using var trace = TraceContext.Resume();
        var now = time.GetUtcNow();
        if (!state.State.IsLive(now, _options))
        {
            return false;
        }

        using var change = BeginChange();
        state.State.AuthenticatedAt = now;
        state.State.Amr = SharedStrings.Share(amr);
        await CommitAsync(change);
        return true;
    }

    public async Task<bool> PurgeIfExpiredAsync()
    {
        using var trace = TraceContext.Resume();
        if (!state.State.IsStarted)
        {
            return false;
        }

        if (state.State.IsLive(time.GetUtcNow(), _options))
        {
            using var change = BeginChange();
            await CommitAsync(change);
            return false;
        }

        await EndAndNotifyOwnerAsync(SessionEndReason.Expired);
        return true;
    }

    public Task<SessionSummary?> GetSummaryAsync()
    {
        var session = state.State;
        if (!session.IsLive(time.GetUtcNow(), _options))
        {
            return Task.FromResult<SessionSummary?>(null);
        }

        return Task.FromResult<SessionSummary?>(new SessionSummary(
            _sessionId,
            session.CreatedAt,
            session.LastSeenAt,
            _options.ExpiryOf(session.CreatedAt, session.LastSeenAt),
            session.UserAgent,
            session.IpAddress,
            session.ClientId,
            session.Amr));
    }

    /// <summary>
    /// No session behind this id (a made-up token, or one already ended): the activation goes after
    /// <see cref="NoSessionLinger"/>. Otherwise well-formed random tokens, which anyone can send at
    /// HTTP speed, would each hold an activation for Orleans' collection age (minutes). Not at once:
    /// calls queued behind this one would be forwarded to a new activation that leaves in turn, and
    /// Orleans rejects a message forwarded more than twice. A live session stays: a wrong secret for
    /// it must not evict it.
    /// </summary>
    private void LeaveIfNoSession()
    {
        if (state.State.IsStarted || _leaving is not null)
        {
            return;
        }

        _leaving = this.RegisterGrainTimer(
            static (grain, _) =>
            {
                grain.LeaveUnlessStarted();
                return Task.CompletedTask;
            },
            this,
            new GrainTimerCreationOptions(NoSessionLinger, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    private void LeaveUnlessStarted()
    {
        if (!state.State.IsStarted)
        {
            DeactivateOnIdle();
        }
    }

    private IssuedTokens IssueTokens(DateTimeOffset now)
    {
        var generation = state.State.NextGeneration;
        var (accessToken, accessDigest) = tokens.Issue(_sessionId, TokenKind.Access, generation);
        var (refreshToken, refreshDigest) = tokens.Issue(_sessionId, TokenKind.Refresh, generation);
        state.State.InstallTokens(accessDigest, refreshDigest, generation, now);
        return new IssuedTokens(_sessionId, accessToken, refreshToken, now, _options.AccessExpiryOf(state.State.CreatedAt, now));
    }

    private StateChange<SessionState> BeginChange() => state.BeginChange(copier, this, logger);

    /// <summary>Writes the change with the session's purge time (its expiry as stored).</summary>
    private async Task CommitAsync(StateChange<SessionState> change)
    {
        var lastSeen = state.State.LastSeenAt;
        state.State.PurgeAfter = _options.ExpiryOf(state.State.CreatedAt, lastSeen).ToUnixTimeSeconds();
        await change.CommitAsync();
        _lastSeenInStorage = lastSeen;
    }

    private async Task EndAndNotifyOwnerAsync(SessionEndReason reason)
    {
        var (userId, isService, client) = (state.State.UserId, state.State.IsService, state.State.Username);
        await EndAsync(reason);
        await (isService
            ? GrainFactory.GetGrain<IServiceClientGrain>(client).OnSessionEndedAsync(_sessionId)
            : GrainFactory.GetGrain<IUserSessionIndexGrain>(userId).OnSessionEndedAsync(_sessionId));
    }

    /// <summary>Deletes the session's row: from here on no token of it validates, on any silo, after any restart.</summary>
    private async Task EndAsync(SessionEndReason reason)
    {
        var userId = state.State.UserId;
        await state.ClearOrThrowAsync(this, logger);
        lastSeenFlusher.Forget(_sessionId);
        RevocationFeed.Announce(GrainFactory, _sessionId);
        events.SessionEnded(userId, _sessionId, reason);
    }

    public async Task<bool> FlushLastSeenAsync()
    {
        _lastSeenDue = false;
        return state.State.IsStarted && state.State.LastSeenAt > _lastSeenInStorage && await WriteLastSeenAsync();
    }

    /// <summary>Persists "last seen"; a failure only costs precision, so it is logged, not thrown.</summary>
    private async Task<bool> WriteLastSeenAsync()
    {
        var lastSeen = state.State.LastSeenAt;
        try
        {
            state.State.PurgeAfter = _options.ExpiryOf(state.State.CreatedAt, lastSeen).ToUnixTimeSeconds();
            await state.WriteStateAsync();
            _lastSeenInStorage = lastSeen;
            return true;
        }
#pragma warning disable CA1031 // Last-seen is best effort by design; the next attempt retries it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLastSeenWriteFailed(logger, ex, _sessionId);
            _lastSeenDue = true;
            lastSeenFlusher.MarkDue(_sessionId);
            return false;
        }
    }




    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write last-seen of session {SessionId}; it stays due")]
    private static partial void LogLastSeenWriteFailed(ILogger logger, Exception exception, Guid sessionId);
}
