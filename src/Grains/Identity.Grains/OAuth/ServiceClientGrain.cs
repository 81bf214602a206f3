using Identity.Contracts.Sessions;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;

namespace Identity.Grains.OAuth;

/// <summary>
/// A service (an OAuth client using the client-credentials grant), keyed by its client id: it owns
/// the sessions its tokens belong to, as a user grain owns a user's. So a service's access token is
/// a grid session like any other — one in-memory check, revoked at once, pushed to services — and
/// every token of a service can be revoked together (<see cref="RevokeAllAsync"/>).
/// </summary>
[Alias("identity.IServiceClientGrain")]
public interface IServiceClientGrain : IGrainWithStringKey
{
    /// <summary>Starts a session for the client (its credentials were checked by the caller) and returns its access token.</summary>
    [Alias("StartSession")]
    Task<IssuedTokens> StartSessionAsync(ClientContext client, TokenGrant grant);

    /// <summary>Ends every session of the client (its secret was rotated, or it was removed); returns how many.</summary>
    [Alias("RevokeAll")]
    Task<int> RevokeAllAsync();

    /// <summary>Whether the client lists <paramref name="sessionId"/> (asked by a session before it starts; interleaves, as the user grain's does).</summary>
    [AlwaysInterleave, ReadOnly, Alias("ListsSession")]
    Task<bool> ListsSessionAsync(Guid sessionId);

    /// <summary>One-way, as for users: a session ending never waits on its owner.</summary>
    [OneWay, Alias("OnSessionEnded")]
    Task OnSessionEndedAsync(Guid sessionId);
}

/// <summary>The stored shape of <see cref="ServiceClientGrain"/>: its live sessions.</summary>
[GenerateSerializer, Alias("identity.ServiceClientState")]
public sealed class ServiceClientState
{
    [Id(0), System.Text.Json.Serialization.JsonPropertyName("sessions")] public List<UserSessionRef> Sessions { get; set; } = [];
}

/// <summary>See <see cref="IServiceClientGrain"/>.</summary>
public sealed class ServiceClientGrain(
    [PersistentState(IdentityStorage.ServiceClientState, IdentityStorage.ProviderName)] IPersistentState<ServiceClientState> state,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    IOptions<SessionOptions> sessionOptions,
    DeepCopier<ServiceClientState> copier,
    SecurityEvents events,
    ILogger<ServiceClientGrain> logger) : Grain, IServiceClientGrain
{
    /// <summary>
    /// Live sessions one service may hold. A client-credentials session has no refresh token, so it
    /// is useless once its access token expires: those are ended whenever a new one starts, and this
    /// bound only caps a service asking for tokens far faster than they expire.
    /// </summary>
    internal const int MaxSessions = 10_000;

    private string ClientId => this.GetPrimaryKeyString();

    public async Task<IssuedTokens> StartSessionAsync(ClientContext client, TokenGrant grant)
    {
        var now = time.GetUtcNow();
        var sessionId = Guid.NewGuid();
        var spent = now - sessionOptions.Value.AccessTokenLifetime;
        using var change = state.BeginChange(copier, this, logger);
        var ended = state.State.Sessions.Where(s => s.CreatedAt <= spent).Select(s => s.SessionId).ToList();
        state.State.Sessions.RemoveAll(s => s.CreatedAt <= spent);
        while (state.State.Sessions.Count >= MaxSessions)
        {
            ended.Add(state.State.Sessions[0].SessionId);
            state.State.Sessions.RemoveAt(0);
        }

        state.State.Sessions.Add(new UserSessionRef(sessionId, now));
        // Sessions leaving the list end first: a session is never live without its owner listing it.
        await EndAsync(ended, SessionEndReason.Expired);
        await change.CommitAsync();
        var tokens = await GrainFactory.GetGrain<ISessionLifecycleGrain>(sessionId)
            .StartAsync(new SessionStart(Guid.Empty, ClientId, client, grant with { ClientId = ClientId }, IsService: true));
        events.ServiceSessionStarted(ClientId, sessionId, client);
        return tokens;
    }

    public async Task<int> RevokeAllAsync()
    {
        if (state.State.Sessions.Count == 0)
        {
            return 0;
        }

        using var change = state.BeginChange(copier, this, logger);
        var all = state.State.Sessions.Select(s => s.SessionId).ToList();
        state.State.Sessions.Clear();
        await EndAsync(all, SessionEndReason.RevokedByOperator);
        await change.CommitAsync();
        return all.Count;
    }

    public Task<bool> ListsSessionAsync(Guid sessionId) => Task.FromResult(state.State.Sessions.Exists(s => s.SessionId == sessionId));

    public async Task OnSessionEndedAsync(Guid sessionId)
    {
        if (!state.State.Sessions.Exists(s => s.SessionId == sessionId))
        {
            return;
        }

        using var change = state.BeginChange(copier, this, logger);
        state.State.Sessions.RemoveAll(s => s.SessionId == sessionId);
        try
        {
            await change.CommitAsync();
        }
        catch (Contracts.Errors.IdentityUnavailableException)
        {
            // One-way: nobody waits. The stale id names a session with no state; the next change drops it.
        }
    }

    private Task EndAsync(List<Guid> sessionIds, SessionEndReason reason) =>
        sessionIds.Count == 0
            ? Task.CompletedTask
            : Task.WhenAll(sessionIds.Select(id => GrainFactory.GetGrain<ISessionLifecycleGrain>(id).RevokeForUserAsync(reason)));
}
