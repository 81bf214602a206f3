using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Identity.Grains.OAuth;
using OpenIddict.Abstractions;

namespace Identity.Api.OpenIdConnect.Stores;

/// <summary>A token-store entry as OpenIddict handles it: the entry's id and its stored state.</summary>
internal sealed class GridTokenEntry(Guid id, OAuthTokenState state)
{
    public Guid Id { get; } = id;

    public OAuthTokenState State { get; } = state;
}

/// <summary>
/// OpenIddict's token store on the grid: each entry is an <see cref="IOAuthTokenGrain"/> (looked
/// up by id), found by reference id through an <see cref="IOAuthReferenceGrain"/>. It holds what
/// the server must remember about its own codes (authorization codes: redeemed once). The grid's
/// access and refresh tokens are not entries: they are grid sessions, so validating them is a
/// session-grain call and ending the session ends them. Entries are not indexed by subject,
/// application or authorization (the server needs none of those lookups with authorization storage
/// off); those queries say so rather than answer wrong.
/// </summary>
internal sealed class GridTokenStore(IGrainFactory grains) : IOpenIddictTokenStore<GridTokenEntry>
{
    public ValueTask<GridTokenEntry> InstantiateAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GridTokenEntry(Guid.NewGuid(), new OAuthTokenState()));

    public async ValueTask CreateAsync(GridTokenEntry token, CancellationToken cancellationToken) => await SaveAsync(token, expected: null);

    public async ValueTask UpdateAsync(GridTokenEntry token, CancellationToken cancellationToken) => await SaveAsync(token, token.State.ConcurrencyToken);

    private async Task SaveAsync(GridTokenEntry token, string? expected)
    {
        var saved = await grains.GetGrain<IOAuthTokenGrain>(token.Id).SaveAsync(token.State, expected)
            ?? throw new OpenIddictExceptions.ConcurrencyException($"Token entry {token.Id} was changed by another request.");
        token.State.ConcurrencyToken = saved.ConcurrencyToken;
    }

    public async ValueTask DeleteAsync(GridTokenEntry token, CancellationToken cancellationToken) =>
        await grains.GetGrain<IOAuthTokenGrain>(token.Id).DeleteAsync();

    public async ValueTask<GridTokenEntry?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        Guid.TryParseExact(identifier, "D", out var id) && await grains.GetGrain<IOAuthTokenGrain>(id).GetAsync() is { } state
            ? new GridTokenEntry(id, state)
            : null;

    public async ValueTask<GridTokenEntry?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (await grains.GetGrain<IOAuthReferenceGrain>(identifier).ResolveAsync() is not { } id)
        {
            return null;
        }

        var state = await grains.GetGrain<IOAuthTokenGrain>(id).GetAsync();
        return state is not null && string.Equals(state.ReferenceId, identifier, StringComparison.Ordinal) ? new GridTokenEntry(id, state) : null;
    }

    public ValueTask<string?> GetApplicationIdAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.ApplicationId);

    public ValueTask<string?> GetAuthorizationIdAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.AuthorizationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.CreationDate);

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.ExpirationDate);

    public ValueTask<string?> GetIdAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.Id.ToString("D"));

    public ValueTask<string?> GetPayloadAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.Payload);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(GridTokenEntry token, CancellationToken cancellationToken) =>
        new(token.State.Properties is { Length: > 0 } json
            ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToImmutableDictionary()
            : ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.RedemptionDate);

    public ValueTask<string?> GetReferenceIdAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.ReferenceId);

    public ValueTask<string?> GetStatusAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.Status);

    public ValueTask<string?> GetSubjectAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.Subject);

    public ValueTask<string?> GetTypeAsync(GridTokenEntry token, CancellationToken cancellationToken) => new(token.State.Type);

    public ValueTask SetApplicationIdAsync(GridTokenEntry token, string? identifier, CancellationToken cancellationToken) => Set(() => token.State.ApplicationId = identifier);

    public ValueTask SetAuthorizationIdAsync(GridTokenEntry token, string? identifier, CancellationToken cancellationToken) => Set(() => token.State.AuthorizationId = identifier);

    public ValueTask SetCreationDateAsync(GridTokenEntry token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.State.CreationDate = date);

    public ValueTask SetExpirationDateAsync(GridTokenEntry token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.State.ExpirationDate = date);

    public ValueTask SetPayloadAsync(GridTokenEntry token, string? payload, CancellationToken cancellationToken) => Set(() => token.State.Payload = payload);

    public ValueTask SetPropertiesAsync(GridTokenEntry token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) =>
        Set(() => token.State.Properties = properties.IsEmpty ? null : JsonSerializer.Serialize(properties));

    public ValueTask SetRedemptionDateAsync(GridTokenEntry token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.State.RedemptionDate = date);

    public ValueTask SetReferenceIdAsync(GridTokenEntry token, string? identifier, CancellationToken cancellationToken) => Set(() => token.State.ReferenceId = identifier);

    public ValueTask SetStatusAsync(GridTokenEntry token, string? status, CancellationToken cancellationToken) => Set(() => token.State.Status = status);

    public ValueTask SetSubjectAsync(GridTokenEntry token, string? subject, CancellationToken cancellationToken) => Set(() => token.State.Subject = subject);

    public ValueTask SetTypeAsync(GridTokenEntry token, string? type, CancellationToken cancellationToken) => Set(() => token.State.Type = type);

    private static ValueTask Set(Action assign)
    {
        assign();
        return ValueTask.CompletedTask;
    }

    /// <summary>Entries delete themselves when read after expiry (<see cref="OAuthTokenGrain"/>); there is no table scan to prune.</summary>
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    // Lookups across entries: not indexed (see the class comment).
    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => throw NotIndexed();

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<GridTokenEntry>, IQueryable<TResult>> query, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<GridTokenEntry> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<GridTokenEntry> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<GridTokenEntry> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<GridTokenEntry> FindBySubjectAsync(string subject, CancellationToken cancellationToken) => throw NotIndexed();

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<GridTokenEntry>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<GridTokenEntry> ListAsync(int? count, int? offset, CancellationToken cancellationToken) => throw NotIndexed();

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<GridTokenEntry>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw NotIndexed();

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) => throw NotIndexed();

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken = default) => throw NotIndexed();

    public ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) => throw NotIndexed();

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken = default) => throw NotIndexed();

    private static NotSupportedException NotIndexed([CallerMemberName] string? operation = null) =>
        new($"{operation}: the grid's token store finds entries by id and reference id only; sessions (not entries) are listed and revoked per user.");
}
