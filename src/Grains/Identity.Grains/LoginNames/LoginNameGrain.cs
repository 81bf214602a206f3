using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.Passwords;
using Identity.Grains.Storage;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;

namespace Identity.Grains.LoginNames;

/// <summary>One normalized login name and its owner. See <see cref="ILoginNameGrain"/>.</summary>
public sealed class LoginNameGrain(
    [PersistentState(IdentityStorage.LoginNameState, IdentityStorage.ProviderName)] IPersistentState<LoginNameState> state,
    IPasswordHasher hasher,
    [FromKeyedServices(IdentityClock.Key)] TimeProvider time,
    DeepCopier<LoginNameState> copier,
    SecurityEvents events,
    ILogger<LoginNameGrain> logger) : Grain, ILoginNameGrain, ILoginNameRegistryGrain, IIncomingGrainCallFilter
{
    /// <summary>Every call continues its caller's trace: its log events carry the request's trace id.</summary>
    public Task Invoke(IIncomingGrainCallContext context) => TraceContext.InvokeResumedAsync(context);

    /// <summary>
    /// A claim whose account never got created (the registration failed half-way) is given up to a
    /// new claimant after this long. Long enough for any registration still in flight to finish.
    /// </summary>
    internal static readonly TimeSpan AbandonedClaimAge = TimeSpan.FromMinutes(2);

    private Task _lastDecoy = Task.CompletedTask;

    public Task<Guid?> ResolveAsync() => Task.FromResult(state.State.UserId);

    public async Task<LoginResult> LoginAsync(Password password, ClientContext client, string? deviceToken, TokenGrant grant)
    {
        if (state.State.UserId is { } userId)
        {
            return await GrainFactory.GetGrain<IUserGrain>(userId).LoginAsync(password, client, deviceToken, grant);
        }

        // One decoy hash at a time per name, as the user grain (not reentrant) allows one real hash
        // per account: a flood of logins for one name can never hold more than one hashing thread.
        // (Interleaved calls run one at a time on the grain's scheduler, so chaining needs no lock.)
        var decoy = SpendAfterAsync(_lastDecoy, password);
        _lastDecoy = decoy;
        await decoy;

        events.LoginFailed(null, LoginRejection.UnknownUser, client);
        return new LoginResult.Rejected(LoginRejection.UnknownUser);
    }

    private async Task SpendAfterAsync(Task previous, Password password)
    {
        await previous.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Current);
        await hasher.SpendVerificationCostAsync(password);
    }

    public async Task<bool> ClaimAsync(Guid userId, string name)
    {
        var now = time.GetUtcNow();
        if (state.State.UserId is { } owner && owner != userId)
        {
            var abandoned = now - state.State.ClaimedAt > AbandonedClaimAge
                && !await GrainFactory.GetGrain<IUserGrain>(owner).ExistsAsync();
            if (!abandoned)
            {
                return false;
            }
        }

        if (state.State.UserId == userId)
        {
            return true;
        }

        using var change = state.BeginChange(copier, this, logger);
        state.State.UserId = userId;
        state.State.ClaimedAt = now;
        state.State.Name = name;
        await change.CommitAsync();
        return true;
    }

    public async Task ReleaseAsync(Guid userId)
    {
        if (state.State.UserId == userId)
        {
            await state.ClearOrThrowAsync(this, logger);
        }
    }
}
