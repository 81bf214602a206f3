using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Identity.IntegrationTests.Operations;

/// <summary>
/// What an operator sees of a real node: its metrics on the management port (scraped by a real
/// Prometheus) and nowhere else, and JSON log lines in which a request's trace id reaches the
/// security events its grains write.
/// </summary>
[TestClass]
public sealed class TelemetryTests
{
    [TestMethod]
    public async Task Prometheus_scrapes_the_grids_metrics_from_the_management_port_and_the_public_port_has_none()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = await TestPostgres.CreateDatabaseAsync();
        await using var api = await GridProcess.StartApiAsync(environment);
        var (_, tokens) = await api.Client.SignUpAndLoginAsync();
        Assert.AreEqual(HttpStatusCode.OK, (await api.Client.GetCurrentAsync(tokens.AccessToken)).StatusCode);

        var scrape = await api.Management.GetAsync("/metrics");
        Assert.AreEqual(HttpStatusCode.OK, scrape.StatusCode);
        var metrics = await scrape.Content.ReadAsStringAsync();
        foreach (var family in new[]
        {
            "identity_logins_total{", "identity_token_validations_total{", "identity_sessions_active",
            "identity_storage_duration_seconds_bucket{", "identity_password_hash_duration_seconds_bucket",
            "http_server_request_duration_seconds_bucket{", "dotnet_gc_heap_total_allocated_bytes_total",
            "db_client_operation_duration_seconds_bucket{", "orleans_",
        })
        {
            Assert.Contains(family, metrics, $"the scrape has {family}");
        }

        Assert.AreEqual(HttpStatusCode.NotFound, (await api.Client.GetAsync("/metrics")).StatusCode, "no metrics on the public port");
        Assert.AreEqual(HttpStatusCode.NotFound, (await api.Management.GetAsync("/v1/sessions/current")).StatusCode, "no public API on the management port");

        await using var prometheus = await TestPrometheus.StartAsync(api.Management.BaseAddress!.Authority);
        await prometheus.WaitForAsync("identity_logins_total{outcome=\"Succeeded\"}", value => value >= 1, TimeSpan.FromSeconds(60));
        await prometheus.WaitForAsync("sum(identity_token_validations_total{outcome=\"valid\"})", value => value >= 1, TimeSpan.FromSeconds(30));
        await prometheus.WaitForAsync("up{job=\"identity-grid\"}", value => value == 1, TimeSpan.FromSeconds(30));
        await api.StopAsync();
        // Orleans' watchdog reports the machine's uptime as a stall on every start (OrleansWatchdogArtifact).
        Assert.DoesNotContain("potentially indicating lock contention or deadlock", api.Output, "no false deadlock alarm");
    }

    [TestMethod]
    public async Task The_dashboard_is_on_the_management_port_for_operators_only()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = await TestPostgres.CreateDatabaseAsync();
        environment["Management__Dashboard"] = "true";
        foreach (var (key, value) in ClientSettings.Operators(("ops", "ops-secret-0123456789abcdef-0123456789")))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        await using var api = await GridProcess.StartApiAsync(environment);
        using var asOperator = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        asOperator.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ops:ops-secret-0123456789abcdef-0123456789")));
        using var wrongSecret = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        wrongSecret.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ops:guess")));

        var anonymous = await api.Management.GetAsync("/dashboard/");
        var guessed = await api.Management.SendAsync(wrongSecret);
        var served = await api.Management.SendAsync(asOperator);
        var counters = await api.Management.GetAsync("/dashboard/DashboardCounters");

        Assert.AreEqual(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        StringAssert.StartsWith(anonymous.Headers.WwwAuthenticate.ToString(), "Basic realm=\"identity-admin\"");
        Assert.AreEqual(HttpStatusCode.Unauthorized, guessed.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, counters.StatusCode, "its data too");
        Assert.AreEqual(HttpStatusCode.OK, served.StatusCode);
        StringAssert.Contains(await served.Content.ReadAsStringAsync(), "<html", StringComparison.OrdinalIgnoreCase);
        Assert.AreEqual(HttpStatusCode.NotFound, (await api.Client.GetAsync("/dashboard/")).StatusCode, "not on the public port");
        Assert.AreEqual(HttpStatusCode.NotFound, (await api.Client.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        await api.StopAsync();
        Assert.DoesNotContain("A verbose logging level", api.Output, "the dashboard's live log gets Information and up only");
    }

    [TestMethod]
    public async Task With_an_exporter_one_trace_runs_from_the_request_through_the_grain_calls_to_the_sql_write()
    {
        var spans = new List<Activity>();
        await using var host = new ApiHost(
            new Dictionary<string, string?>
            {
                ["Storage:Mode"] = "PostgreSql",
                ["ConnectionStrings:Identity"] = await TestPostgres.CreateDatabaseAsync(),
                // Where the spans would go; nobody listens there, the test reads them from memory.
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Ports.Free()}",
            },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        var client = host.CreateApiClient();
        var username = GridScenario.UniqueName();
        (await client.RegisterAsync(username)).EnsureSuccessStatusCode();

        Assert.AreEqual(HttpStatusCode.Created, (await client.LoginAsync(username)).StatusCode);
        await host.DisposeAsync(); // flushes the exporter

        List<Activity> all;
        lock (spans)
        {
            all = [.. spans];
        }

        // The test's own HttpClient is traced too (same process), so the request's trace is found from its server span.
        var request = all.Single(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server && s.DisplayName == "POST /v1/sessions/");
        var trace = all.Where(s => s.TraceId == request.TraceId).ToList();
        var names = string.Join(", ", trace.Select(s => $"{s.Source.Name}: {s.DisplayName}"));
        Assert.IsTrue(trace.Any(s => s.Source.Name == "Microsoft.Orleans.Application" && s.DisplayName.EndsWith("IUserGrain/LoginAsync", StringComparison.Ordinal)), names);
        Assert.IsTrue(trace.Any(s => s.Source.Name == "Microsoft.Orleans.Application" && s.DisplayName.EndsWith("ISessionLifecycleGrain/StartAsync", StringComparison.Ordinal)), names);
        Assert.IsTrue(trace.Any(s => s.Source.Name == "Microsoft.Orleans.Storage" && s.DisplayName == "write storage"), names);
        Assert.IsTrue(trace.Any(s => s.Source.Name == "Npgsql"), $"the SQL write is in the request's trace: {names}");
    }

    [TestMethod]
    public async Task Json_log_lines_carry_the_requests_trace_id_into_the_security_events_of_its_grains()
    {
        var environment = GridProcess.NodePorts();
        environment["ConnectionStrings__Identity"] = await TestPostgres.CreateDatabaseAsync();
        environment["Logging__Format"] = "json";
        await using var api = await GridProcess.StartApiAsync(environment);
        var username = GridScenario.UniqueName();
        (await api.Client.RegisterAsync(username)).EnsureSuccessStatusCode();

        var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using var login = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions")
        {
            Content = JsonContent.Create(new { username, password = "not the password" }),
        };
        login.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await api.Client.SendAsync(login)).StatusCode);
        // A session grain's event too: the logout's "session ended" is written by the session grain.
        var tokens = await api.Client.LoginTokensAsync(username);
        var logoutTrace = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using var logout = new HttpRequestMessage(HttpMethod.Delete, "/v1/sessions/current");
        logout.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        logout.Headers.Add("traceparent", $"00-{logoutTrace}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
        Assert.AreEqual(HttpStatusCode.NoContent, (await api.Client.SendAsync(logout)).StatusCode);
        await api.StopAsync();

        var lines = api.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var events = lines.Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.IsNotEmpty(events, api.Output);
        Assert.IsEmpty(lines.Where(line => !line.StartsWith('{')).ToList(), "every line is a JSON object");
        var failed = events.SingleOrDefault(e => e.TryGetProperty("SourceContext", out var category) && category.GetString() == "Identity.Audit"
            && e.GetProperty("EventId").GetProperty("Id").GetInt32() == 1001);
        Assert.AreNotEqual(JsonValueKind.Undefined, failed.ValueKind, $"the failed login's security event is logged:\n{api.Output}");
        Assert.AreEqual(traceId, failed.GetProperty("@tr").GetString(), "the grain's event carries the request's trace id");
        Assert.AreEqual("WrongPassword", failed.GetProperty("Reason").GetString());
        var ended = events.Single(e => e.TryGetProperty("SourceContext", out var category) && category.GetString() == "Identity.Audit"
            && e.GetProperty("EventId").GetProperty("Id").GetInt32() == 1012);
        Assert.AreEqual(logoutTrace, ended.GetProperty("@tr").GetString(), "the session grain's event carries the logout's trace id");
        Assert.DoesNotContain("not the password", api.Output, "no password in any log line");
    }
}
