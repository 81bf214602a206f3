using System.Diagnostics;
using System.Net;
using Identity.Testing;

namespace Identity.IntegrationTests.Topology;

/// <summary>
/// Continuous token validation through an Api node, round robin over many sessions, recording
/// every outcome with its time: what "failed requests" and "failover window" are measured from.
/// </summary>
internal sealed class ValidationLoad : IDisposable
{
    /// <summary>A validation slower than this counts as degraded (normal ones take a few milliseconds).</summary>
    public static readonly TimeSpan SlowThreshold = TimeSpan.FromMilliseconds(500);

    private readonly List<(TimeSpan At, bool Ok, TimeSpan Latency)> _outcomes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Task> _workers;

    private ValidationLoad(HttpClient api, IReadOnlyList<ApiTokens> sessions, int workers)
    {
        var next = -1;
        _workers = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var token = sessions[(int)((uint)Interlocked.Increment(ref next) % sessions.Count)].AccessToken;
                var started = _clock.Elapsed;
                bool ok;
                try
                {
                    ok = (await api.GetCurrentAsync(token)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                lock (_outcomes)
                {
                    _outcomes.Add((started, ok, _clock.Elapsed - started));
                }
            }
        }))];
    }

    public TimeSpan Now => _clock.Elapsed;

    public int Total
    {
        get
        {
            lock (_outcomes)
            {
                return _outcomes.Count;
            }
        }
    }

    public static ValidationLoad Start(HttpClient api, IReadOnlyList<ApiTokens> sessions, int workers = 8) => new(api, sessions, workers);

    /// <summary>Waits until at least <paramref name="count"/> more validations completed (bounded).</summary>
    public async Task RunForAtLeastAsync(int count)
    {
        var target = Total + count;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Total < target && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    public void Dispose() => _stop.Dispose();

    public async Task<LoadReport> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        lock (_outcomes)
        {
            var failures = _outcomes.Where(o => !o.Ok).Select(o => o.At).ToList();
            var slow = _outcomes.Where(o => o.Latency > SlowThreshold).ToList();
            return new LoadReport(
                _outcomes.Count,
                failures.Count,
                failures.Count == 0 ? TimeSpan.Zero : failures[^1] - failures[0],
                failures.Count == 0 ? null : failures[0],
                slow.Count,
                slow.Count == 0 ? TimeSpan.Zero : slow.Max(o => o.At + o.Latency) - slow.Min(o => o.At),
                _outcomes.Count == 0 ? TimeSpan.Zero : _outcomes.Max(o => o.Latency));
        }
    }
}

internal sealed record LoadReport(int Total, int Failed, TimeSpan FailureWindow, TimeSpan? FirstFailureAt, int Slow, TimeSpan SlowWindow, TimeSpan MaxLatency)
{
    public double FailureRate => Total == 0 ? 0 : (double)Failed / Total;

    public override string ToString() =>
        $"{Failed} of {Total} validations failed ({FailureRate:P3}), failures spanned {FailureWindow.TotalSeconds:F2} s; "
        + $"{Slow} took over {ValidationLoad.SlowThreshold.TotalMilliseconds} ms, within a window of {SlowWindow.TotalSeconds:F2} s; slowest {MaxLatency.TotalSeconds:F2} s";
}
