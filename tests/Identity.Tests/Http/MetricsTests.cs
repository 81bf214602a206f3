using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Identity.Grains.Telemetry;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Identity.Tests.Http;

/// <summary>
/// The grid's own instruments count each decision by its outcome, and carry nothing that names a
/// user, session, token or address. A host of its own, so every count is exact.
/// </summary>
[TestClass]
public sealed class MetricsTests
{
    private static readonly HashSet<string> AllowedTagKeys = ["outcome", "reason", "rule", "operation", "state", "kind"];
    private static ApiHost s_host = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Start(TestContext _)
    {
        s_host = new ApiHost();
        s_client = s_host.CreateApiClient();
    }

    [ClassCleanup]
    public static async Task Stop() => await s_host.DisposeAsync();

    [TestMethod]
    public async Task Logins_token_checks_refreshes_and_logouts_are_counted_by_outcome_and_no_tag_identifies_anyone()
    {
        var meters = s_host.Services.GetRequiredService<IMeterFactory>();
        using var logins = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.logins");
        using var registrations = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.registrations");
        using var checks = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.token.validations");
        using var refreshes = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.refreshes");
        using var ended = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.sessions.ended");
        using var everything = new TagRecorder(meters);

        var username = GridScenario.UniqueName();
        (await s_client.RegisterAsync(username)).EnsureSuccessStatusCode();
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.LoginAsync(username, "not the password")).StatusCode);
        var tokens = await s_client.LoginTokensAsync(username);
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync("iga_forged")).StatusCode);
        var refreshed = await s_client.RefreshAsync(tokens.RefreshToken);
        refreshed.EnsureSuccessStatusCode();
        var rotated = (await refreshed.Content.ReadFromJsonAsync<ApiTokens>())!;
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", rotated.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(rotated.AccessToken)).StatusCode);

        Assert.AreEqual(1, Count(logins, "outcome", "Succeeded"));
        Assert.AreEqual(1, Count(logins, "outcome", "WrongPassword"));
        Assert.AreEqual(1, registrations.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.AreEqual(2, Count(checks, "outcome", GridMetrics.TokenOutcome.Valid), "the first check and the logout's");
        Assert.AreEqual(2, Count(checks, "outcome", GridMetrics.TokenOutcome.Invalid), "the forged token and the ended session's");
        Assert.AreEqual(1, Count(refreshes, "outcome", "rotated"));
        Assert.AreEqual(1, Count(ended, "reason", "Logout"));

        Assert.IsNotEmpty(everything.Tags);
        foreach (var (key, value) in everything.Tags)
        {
            Assert.Contains(key, AllowedTagKeys, $"tag {key}={value}");
            Assert.IsFalse(Guid.TryParse(value, out _), $"tag {key}={value} is an id");
            Assert.IsFalse(IPAddress.TryParse(value, out _), $"tag {key}={value} is an address");
            Assert.DoesNotContain(username, value, $"tag {key}={value} names the user");
            Assert.IsLessThan(32, value.Length, $"tag {key}={value} looks like a token");
        }
    }

    [TestMethod]
    public async Task Active_sessions_are_the_session_grains_this_silo_holds()
    {
        var meters = s_host.Services.GetRequiredService<IMeterFactory>();
        using var active = new MetricCollector<long>(meters, GridMetrics.MeterName, "identity.sessions.active");
        active.RecordObservableInstruments();
        var before = active.LastMeasurement!.Value;

        await s_client.SignUpAndLoginAsync();
        await s_client.SignUpAndLoginAsync();
        active.RecordObservableInstruments();

        Assert.AreEqual(before + 2, active.LastMeasurement!.Value);
    }

    [TestMethod]
    public void The_dashboard_and_the_operations_guide_name_only_metrics_the_grid_exports()
    {
        var exported = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == GridMetrics.MeterName)
                {
                    exported.Add(PrometheusName(instrument));
                }
            };
            listener.Start();
            TestMetrics.Create();
        }

        var guide = File.ReadAllText(RepositoryFiles.PathOf("docs", "operations.md"));
        foreach (var (file, text) in new[]
        {
            ("deploy/grafana/identity-grid.json", File.ReadAllText(RepositoryFiles.PathOf("deploy", "grafana", "identity-grid.json"))),
            ("docs/operations.md, from \"Watching a node\" on (before it, identity_ names tables)", guide[guide.IndexOf("## Watching a node", StringComparison.Ordinal)..]),
        })
        {
            var named = System.Text.RegularExpressions.Regex.Matches(text, @"\bidentity_[a-z_]+")
                .Select(m => System.Text.RegularExpressions.Regex.Replace(m.Value, "_(bucket|sum|count)$", ""))
                .ToHashSet();
            Assert.IsNotEmpty(named, file);
            foreach (var name in named)
            {
                Assert.Contains(name, exported, $"{file} names {name}, which the grid does not export (it exports {string.Join(", ", exported)})");
            }
        }
    }

    /// <summary>The name Prometheus gets from OpenTelemetry's exporter: dots to underscores, the unit for seconds, _total for counters.</summary>
    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");
        return instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>) ? name + "_total" : name;
    }

    private static long Count(MetricCollector<long> collector, string key, string value) =>
        collector.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue(key, out var tag) && (string?)tag == value).Sum(m => m.Value);

    /// <summary>Every tag of every measurement of the grid's meter while it lives.</summary>
    private sealed class TagRecorder : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<(string Key, string Value)> tags = [];

        public TagRecorder(IMeterFactory meters)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GridMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, measured, _) => Record(measured));
            listener.SetMeasurementEventCallback<double>((_, _, measured, _) => Record(measured));
            listener.Start();
        }

        public IReadOnlyList<(string Key, string Value)> Tags
        {
            get
            {
                lock (tags)
                {
                    return [.. tags];
                }
            }
        }

        public void Dispose() => listener.Dispose();

        private void Record(ReadOnlySpan<KeyValuePair<string, object?>> measured)
        {
            lock (tags)
            {
                foreach (var (key, value) in measured)
                {
                    tags.Add((key, value?.ToString() ?? ""));
                }
            }
        }
    }
}
