using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Threading.Channels;
using Identity.Contracts.Revocations;

namespace Identity.Api.Features.Revocations;

/// <summary>
/// This Api node's subscription to the grid's revocation hubs (<see cref="IRevocationHubGrain"/>),
/// relayed to the services listening on <c>GET /v1/revocations</c>. It renews every
/// <see cref="RenewEvery"/>; when it cannot be sure it saw every revocation (a hub restarted, or a
/// subscription may have lapsed while renewals failed) it tells every listener to drop its cache
/// (<c>reset</c>). Listeners hear <c>ready</c> once every partition is subscribed.
/// </summary>
internal sealed partial class RevocationRelay(IGrainFactory grains, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<RevocationRelay> logger)
    : BackgroundService, IRevocationObserver
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);

    /// <summary>Streams one client may hold open on this node.</summary>
    public const int MaxListenersPerClient = 16;

    /// <summary>Events a listener may fall behind by before it is cut off (told to reset and reconnect).</summary>
    private const int ListenerBacklog = 10_000;

    private readonly ConcurrentDictionary<Listener, byte> _listeners = new();
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private volatile bool _ready;

    /// <summary>Whether every partition is subscribed and nothing may have been missed since.</summary>
    public bool IsReady => _ready;

    public Task SessionsEndedAsync(Guid[] sessionIds)
    {
        foreach (var listener in _listeners.Keys)
        {
            foreach (var sessionId in sessionIds)
            {
                listener.Send(new SseItem<string>(sessionId.ToString(), RevocationEvents.Ended));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A new listener for <paramref name="clientId"/> (<see cref="Listener.Dispose"/> when its connection ends), or null when the client holds <see cref="MaxListenersPerClient"/> already.</summary>
    public Listener? Listen(string clientId)
    {
        if (_perClient.AddOrUpdate(clientId, 1, static (_, open) => open + 1) > MaxListenersPerClient)
        {
            Release(clientId);
            return null;
        }

        var listener = new Listener(this, clientId);
        _listeners[listener] = 0;
        if (_ready)
        {
            listener.Send(new SseItem<string>(string.Empty, RevocationEvents.Ready));
        }

        return listener;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only once the node has started: a node that fails to start never subscribes (nor logs about it).
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var self = grains.CreateObjectReference<IRevocationObserver>(this);
        var subscription = new RevocationSubscription(grains, self);
        using var timer = new PeriodicTimer(RenewEvery, time);
        try
        {
            do
            {
                await RenewAsync(subscription, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            grains.DeleteObjectReference<IRevocationObserver>(self);
        }
    }

    private async Task RenewAsync(RevocationSubscription subscription, CancellationToken stoppingToken)
    {
        var (missed, subscribed) = await subscription.RenewAsync(time, (partition, ex) =>
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                LogRenewalFailed(logger, ex, partition);
            }
        });
        if (missed)
        {
            LogReset(logger);
            Broadcast(new SseItem<string>(string.Empty, RevocationEvents.Reset));
        }

        if (subscribed && !_ready)
        {
            _ready = true;
            Broadcast(new SseItem<string>(string.Empty, RevocationEvents.Ready));
        }
    }

    private void Release(string clientId) => _perClient.AddOrUpdate(clientId, 0, static (_, open) => Math.Max(0, open - 1));

    private void Broadcast(SseItem<string> item)
    {
        foreach (var listener in _listeners.Keys)
        {
            listener.Send(item);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "renewing the revocation subscription to hub {Partition} failed; listeners will be reset if it lapses")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, int partition);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "revocations may have been missed (a hub restarted or a subscription lapsed): listeners told to drop their caches")]
    private static partial void LogReset(ILogger logger);

    /// <summary>One service's stream: a bounded queue; a listener that falls too far behind is reset and cut off.</summary>
    internal sealed class Listener(RevocationRelay relay, string clientId) : IDisposable
    {
        private readonly Channel<SseItem<string>> _events = Channel.CreateBounded<SseItem<string>>(
            new BoundedChannelOptions(ListenerBacklog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public void Send(SseItem<string> item)
        {
            if (!_events.Writer.TryWrite(item))
            {
                _events.Writer.TryComplete(new ListenerFellBehindException());
            }
        }

        public async IAsyncEnumerable<SseItem<string>> ReadAsync(TimeSpan heartbeat, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var reader = _events.Reader;
            while (true)
            {
                SseItem<string> item;
                var fellBehind = false;
                using (var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    beat.CancelAfter(heartbeat);
                    try
                    {
                        item = await reader.ReadAsync(beat.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        item = new SseItem<string>(string.Empty, RevocationEvents.Heartbeat);
                    }
                    catch (ListenerFellBehindException)
                    {
                        item = new SseItem<string>(string.Empty, RevocationEvents.Reset);
                        fellBehind = true;
                    }
                }

                yield return item;
                if (fellBehind)
                {
                    yield break;
                }
            }
        }

        public void Dispose()
        {
            if (relay._listeners.TryRemove(this, out _))
            {
                relay.Release(clientId);
            }
        }
    }

    private sealed class ListenerFellBehindException : Exception;
}

/// <summary>The event names of <c>GET /v1/revocations</c> (text/event-stream).</summary>
public static class RevocationEvents
{
    /// <summary>The stream is live: from here on every ended session is announced.</summary>
    public const string Ready = "ready";

    /// <summary><c>data</c> is the id of a session that ended: drop what was cached for it.</summary>
    public const string Ended = "ended";

    /// <summary>Revocations may have been missed: drop every cached check.</summary>
    public const string Reset = "reset";

    /// <summary>Sent when nothing else was for a while, so both ends know the connection is alive.</summary>
    public const string Heartbeat = "heartbeat";
}
