using Identity.Contracts.Revocations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Identity.Client.Checks;

/// <summary>
/// In-cluster mode's push revocation: a grain observer of this process subscribed to every
/// revocation hub of the grid (renewed every <see cref="RenewEvery"/>), dropping a session's cached
/// check the moment the grid announces its end. Push counts as live only while every hub is
/// subscribed and nothing may have been missed; otherwise everything cached is dropped.
/// </summary>
internal sealed partial class ClusterRevocations(string scheme, IdentityGridChecks checks, TimeProvider time, ILogger<ClusterRevocations> logger)
    : BackgroundService, IRevocationObserver
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);

    private InClusterTokenCheck? _check;

    public Task SessionsEndedAsync(Guid[] sessionIds)
    {
        foreach (var sessionId in sessionIds)
        {
            _check?.Cache.Drop(sessionId);
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (checks.For(scheme) is not InClusterTokenCheck { Options.PushRevocation: true } check)
        {
            return;
        }

        _check = check;
        var self = check.Grains.CreateObjectReference<IRevocationObserver>(this);
        var subscription = new RevocationSubscription(check.Grains, self);
        using var timer = new PeriodicTimer(RenewEvery, time);
        try
        {
            do
            {
                var (missed, subscribed) = await subscription.RenewAsync(time, (partition, ex) => LogRenewalFailed(logger, ex, scheme, partition));
                if (missed)
                {
                    check.Cache.Clear();
                }

                check.PushLive = subscribed;
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            check.PushLive = false;
            check.Grains.DeleteObjectReference<IRevocationObserver>(self);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "scheme {Scheme} could not renew its revocation subscription to hub {Partition}; cached checks were dropped")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string scheme, int partition);
}
