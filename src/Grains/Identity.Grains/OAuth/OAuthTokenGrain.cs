using Identity.Grains.Hosting;
using Identity.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;

namespace Identity.Grains.OAuth;

/// <summary>
/// A token-store entry. An entry past its expiry (plus <see cref="PruneAfterExpiry"/>) is deleted
/// when next read, so codes nobody redeemed do not stay in storage for ever once looked at.
/// </summary>
public sealed class OAuthTokenGrain(
    [PersistentState(IdentityStorage.OAuthTokenState, IdentityStorage.ProviderName)] IPersistentState<OAuthTokenState> state,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    DeepCopier<OAuthTokenState> copier,
    ILogger<OAuthTokenGrain> logger) : Grain, IOAuthTokenGrain
{
    /// <summary>Kept this long after expiry so the server can still tell "expired" and "redeemed twice" apart.</summary>
    internal static readonly TimeSpan PruneAfterExpiry = TimeSpan.FromDays(1);

    public async Task<OAuthTokenState?> GetAsync()
    {
        if (!state.State.Exists)
        {
            return null;
        }

        if (state.State.ExpirationDate is { } expires && time.GetUtcNow() > expires + PruneAfterExpiry)
        {
            await DeleteAsync();
            return null;
        }

        return state.State;
    }

    public async Task<OAuthTokenState?> SaveAsync(OAuthTokenState entry, string? expectedConcurrencyToken)
    {
        if (state.State.ConcurrencyToken != expectedConcurrencyToken)
        {
            return null;
        }

        var previousReference = state.State.ReferenceId;
        var saved = copier.Copy(entry);
        saved.ConcurrencyToken = Guid.NewGuid().ToString("N");
        saved.StartedSessionId ??= state.State.StartedSessionId;
        if (saved.ReferenceId is { Length: > 0 } reference && reference != previousReference)
        {
            // Index first: a crash between the two leaves an index entry pointing at an entry that
            // does not name it back, which lookups ignore — never an entry that cannot be found.
            await GrainFactory.GetGrain<IOAuthReferenceGrain>(reference).PointAsync(this.GetPrimaryKey());
        }

        using var change = state.BeginChange(copier, this, logger);
        state.State = saved;
        await change.CommitAsync();
        if (previousReference is { Length: > 0 } && previousReference != saved.ReferenceId)
        {
            await GrainFactory.GetGrain<IOAuthReferenceGrain>(previousReference).PointAsync(null);
        }

        return saved;
    }

    public async Task<bool> LinkSessionAsync(Guid sessionId)
    {
        if (!state.State.Exists)
        {
            return false;
        }

        // Not an optimistic-concurrency change: the server's next update keeps the link (SaveAsync).
        using var change = state.BeginChange(copier, this, logger);
        state.State.StartedSessionId = sessionId;
        await change.CommitAsync();
        return true;
    }

    public async Task DeleteAsync()
    {
        if (!state.State.Exists)
        {
            return;
        }

        var reference = state.State.ReferenceId;
        await state.ClearOrThrowAsync(this, logger);
        state.State = new OAuthTokenState();
        if (reference is { Length: > 0 })
        {
            await GrainFactory.GetGrain<IOAuthReferenceGrain>(reference).PointAsync(null);
        }
    }
}

/// <summary>See <see cref="IOAuthReferenceGrain"/>.</summary>
public sealed class OAuthReferenceGrain(
    [PersistentState(IdentityStorage.OAuthReferenceState, IdentityStorage.ProviderName)] IPersistentState<OAuthReferenceState> state,
    DeepCopier<OAuthReferenceState> copier,
    ILogger<OAuthReferenceGrain> logger) : Grain, IOAuthReferenceGrain
{
    public Task<Guid?> ResolveAsync() => Task.FromResult(state.State.TokenId);

    public async Task PointAsync(Guid? tokenId)
    {
        if (tokenId is null)
        {
            await state.ClearOrThrowAsync(this, logger);
            state.State = new OAuthReferenceState();
            return;
        }

        using var change = state.BeginChange(copier, this, logger);
        state.State.TokenId = tokenId;
        await change.CommitAsync();
    }
}

/// <summary>The stored shape of <see cref="OAuthReferenceGrain"/>.</summary>
[GenerateSerializer, Alias("identity.OAuthReferenceState")]
public sealed class OAuthReferenceState
{
    [Id(0), System.Text.Json.Serialization.JsonPropertyName("tokenId")] public Guid? TokenId { get; set; }
}
