using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Identity.Client.Checks;

/// <summary>
/// Remote mode's push revocation: keeps <c>GET /v1/revocations</c> open and drops a session's
/// cached check the moment the grid says it ended. The stream is trusted only between its
/// <c>ready</c> and the first sign of trouble (a <c>reset</c>, a silence longer than
/// <see cref="Silence"/>, a disconnect): then everything cached is dropped and it reconnects.
/// </summary>
internal sealed partial class RevocationStream(string scheme, IdentityGridChecks checks, ILogger<RevocationStream> logger) : BackgroundService
{
    /// <summary>The grid sends a heartbeat every 15 s when idle: twice that without a word means the stream is dead.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (checks.For(scheme) is not RemoteTokenCheck check || !check.Options.PushRevocation)
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(check, stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogStreamFailed(logger, ex, scheme);
                failures++;
            }
            finally
            {
                check.PushLive = false;
            }

            await Task.Delay(Backoff[Math.Min(failures, Backoff.Length - 1)], stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task FollowAsync(RemoteTokenCheck check, CancellationToken stoppingToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(check.Options.Authority!, "v1/revocations"));
        request.Headers.Authorization = check.Credentials;
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        watchdog.CancelAfter(Silence);
        using var response = await check.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(watchdog.Token);
        var events = SseParser.Create(body, static (_, data) => Encoding.UTF8.GetString(data));
        await foreach (var item in events.EnumerateAsync(watchdog.Token))
        {
            watchdog.CancelAfter(Silence);
            switch (item.EventType)
            {
                case "ready":
                    check.PushLive = true;
                    break;
                case "ended" when Guid.TryParse(item.Data, out var sessionId):
                    check.Cache.Drop(sessionId);
                    break;
                case "reset":
                    check.Cache.Clear();
                    break;
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "the revocation stream of scheme {Scheme} failed; cached checks were dropped and it reconnects")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string scheme);
}
