using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Identity.Grains.Telemetry;

/// <summary>
/// Carries the caller's trace context into grain calls, so every log event a grain writes — a
/// security event on another silo too — has the trace id of the request that caused it.
/// </summary>
/// <remarks>
/// With an OTLP exporter (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) Orleans' own propagation runs: grain
/// call filters that make a span for each side of each call. Without one, nobody reads spans, and
/// any silo-wide grain-call filter costs every call, the token check included: Orleans' propagation
/// took a check from 27 to 35 µs of CPU, and even filters that skipped it cost ≈ 0.6 KB of
/// allocation per check (docs/performance.md). So instead the edge puts the W3C <c>traceparent</c>
/// into the request context of the calls that may log (<see cref="Carry"/>; Orleans passes the
/// request context on from grain to grain), and grains that log resume it: a filter on their own
/// class (<see cref="InvokeResumedAsync"/>) or <see cref="Resume"/> in a method. The token check
/// carries nothing and runs no filter.
/// </remarks>
public static class TraceContext
{
    private const string Key = "traceparent";

    public static ISiloBuilder AddTraceContext(this ISiloBuilder silo, IConfiguration configuration) =>
        Exporting(configuration) ? silo.AddActivityPropagation() : silo;

    public static IClientBuilder AddTraceContext(this IClientBuilder client, IConfiguration configuration) =>
        Exporting(configuration) ? client.AddActivityPropagation() : client;

    /// <summary>At the edge: the grain calls this request makes from here on carry its trace context.</summary>
    public static void Carry()
    {
        if (Activity.Current is { Id: { } id })
        {
            RequestContext.Set(Key, id);
        }
    }

    /// <summary>In a grain: an activity continuing the caller's trace, to dispose when the call ends; null when there is nothing to resume.</summary>
    public static Activity? Resume() =>
        Activity.Current is null && RequestContext.Get(Key) is string parent ? new Activity("grain-call").SetParentId(parent).Start() : null;

    /// <summary>For a grain class that is its own incoming call filter: runs the call within the caller's trace.</summary>
    public static async Task InvokeResumedAsync(IIncomingGrainCallContext context)
    {
        using var activity = Resume();
        await context.Invoke();
    }

    private static bool Exporting(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
