using Identity.Contracts.Sessions;
using Orleans.Runtime.Messaging;

namespace Identity.Client.Checks;

/// <summary>
/// In-cluster mode: one call to the token's session grain, answered from the grid's memory; answers
/// cached as <see cref="CachedTokenCheck"/> says, push revocation by a grain observer subscribed to
/// the grid's revocation hubs (<see cref="ClusterRevocations"/>). A call that meets a lost silo is
/// tried again (the grain comes back on another silo from storage), a few times, before the grid is
/// called unavailable.
/// </summary>
internal sealed class InClusterTokenCheck(IdentityGridOptions options, IGrainFactory grains, TimeProvider time) : CachedTokenCheck(options, time)
{
    private static readonly TimeSpan[] Retries = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)];

    public IGrainFactory Grains => grains;

    protected override async ValueTask<GridSession?> AskAsync(SessionToken token, string text, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ISessionGrain>(token.SessionId);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var view = await grain.ValidateAccessTokenAsync(token.Digest);
                return view is null ? null : new GridSession(view.SessionId, view.Subject, view.Username, view.AccessTokenExpiresAt, view.Audience, view.Scope, view.ClientId);
            }
            catch (Exception ex) when (IsSiloLoss(ex))
            {
                if (attempt == Retries.Length)
                {
                    throw new GridUnavailableException("The grid's session grain could not be reached.", ex);
                }

                await Task.Delay(Retries[attempt], cancellationToken);
            }
        }
    }

    private static bool IsSiloLoss(Exception exception) =>
        exception is OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or ClientNotAvailableException or TimeoutException or SiloUnavailableException;
}
