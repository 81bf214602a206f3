using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Identity.Grains.Telemetry;

/// <summary>
/// The grid's own instruments, in the meter <see cref="MeterName"/>; every process of the grid
/// records what it decides and exports it (Prometheus on the management port, OTLP when set).
/// Tags are few and fixed — an outcome, a reason, a rule, a state name — never a user, session,
/// token or address: a tag per user would make millions of series. docs/operations.md lists every
/// instrument with its meaning and the alerts built on it.
/// </summary>
public sealed class GridMetrics
{
    public const string MeterName = "Identity.Grid";

    private readonly Counter<long> logins;
    private readonly Counter<long> registrations;
    private readonly Counter<long> tokenChecks;
    private readonly Counter<long> refreshes;
    private readonly Counter<long> sessionsEnded;
    private readonly Counter<long> throttled;
    private readonly Histogram<double> hashDuration;
    private readonly Histogram<double> storageDuration;
    private readonly Counter<long> storageFailures;
    private long activeSessions;
    private Func<int>? hashQueueLength;

    public GridMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        logins = meter.CreateCounter<long>("identity.logins", "{login}", "Password logins, by outcome (succeeded or the rejection).");
        registrations = meter.CreateCounter<long>("identity.registrations", "{registration}", "Accounts registered.");
        tokenChecks = meter.CreateCounter<long>("identity.token.validations", "{validation}", "Access-token checks at the HTTP edge, by outcome: valid, invalid (malformed, forged, ended or expired session) or throttled.");
        refreshes = meter.CreateCounter<long>("identity.refreshes", "{refresh}", "Refresh-token rotations, by outcome: rotated, or reused (a stolen or replayed token: the session was ended).");
        sessionsEnded = meter.CreateCounter<long>("identity.sessions.ended", "{session}", "Sessions ended, by reason (logout, revoked, password change, reuse, disabled, expired …).");
        throttled = meter.CreateCounter<long>("identity.throttled", "{request}", "Requests refused with 429 and logins slowed or blocked, by rule.");
        hashDuration = meter.CreateHistogram<double>("identity.password_hash.duration", "s", "Time of one password hash or verification on a hashing thread.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64] });
        storageDuration = meter.CreateHistogram<double>("identity.storage.duration", "s", "Time of one grain-state operation against the database, by operation (read, write, clear) and state (user, session, login-name).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        storageFailures = meter.CreateCounter<long>("identity.storage.failures", "{operation}", "Grain-state operations that failed, by operation, state and kind (outage: answered 503; bug: 500).");
        meter.CreateObservableUpDownCounter("identity.sessions.active", () => Volatile.Read(ref activeSessions), "{session}", "Session grains active in this process's silo.");
        meter.CreateObservableGauge("identity.password_hash.queue", () => hashQueueLength?.Invoke() ?? 0, "{hash}", "Password hashes waiting for a hashing thread; at Passwords:MaxQueuedHashes logins get 503.");
    }

    public void Login(string outcome) => logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Registered() => registrations.Add(1);

    public void TokenChecked(string outcome) => tokenChecks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Refreshed(string outcome) => refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void SessionEnded(string reason) => sessionsEnded.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Throttled(string rule) => throttled.Add(1, new KeyValuePair<string, object?>("rule", rule));

    public void SessionActivated() => Interlocked.Increment(ref activeSessions);

    public void SessionDeactivated() => Interlocked.Decrement(ref activeSessions);

    public void PasswordHashed(TimeSpan elapsed) => hashDuration.Record(elapsed.TotalSeconds);

    /// <summary>Where the hash queue's length is read from (the hasher's workers); one per process.</summary>
    public void ObserveHashQueue(Func<int> length) => hashQueueLength = length;

    public void StorageOperation(string operation, string state, long startedAt, string? failure = null)
    {
        var tags = new TagList { { "operation", operation }, { "state", state } };
        storageDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
        if (failure is not null)
        {
            tags.Add("kind", failure);
            storageFailures.Add(1, tags);
        }
    }

    /// <summary>Creates the instruments when the host starts, so a scrape shows zeros rather than nothing until the first event.</summary>
    internal sealed class CreateAtStart(GridMetrics metrics) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(metrics);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Outcomes of <see cref="TokenChecked"/>.</summary>
    public static class TokenOutcome
    {
        public const string Valid = "valid";
        public const string Invalid = "invalid";
        public const string Throttled = "throttled";
    }
}
