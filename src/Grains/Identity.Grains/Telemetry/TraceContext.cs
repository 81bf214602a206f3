using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Identity.Contracts.Sessions;
using Microsoft.Extensions.Configuration;

namespace Identity.Grains.Telemetry;

/// <summary>
/// Carries the caller's trace context into grain calls, so every log event a grain writes — a
/// security event on another silo too — has the trace id of the request that caused it.
/// </summary>
/// <remarks>
/// With an OTLP exporter (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) Orleans' own propagation runs: it
/// makes a span for each side of each call. Without one, nobody reads spans, and Orleans'
/// propagation (an activity on each side of every call) took a token check from 27 to 35 µs of
/// CPU (<c>bench/ab.sh</c>, docs/performance.md). These filters instead put the W3C
/// <c>traceparent</c> into the call's request context and give the grain a bare activity with that
/// parent — and leave out the token check (<see cref="ISessionGrain.ValidateAccessTokenAsync"/>),
/// which writes no log event.
/// </remarks>
public static class TraceContext
{
    private const string Key = "traceparent";
    private static readonly MethodInfo Validation = typeof(ISessionGrain).GetMethod(nameof(ISessionGrain.ValidateAccessTokenAsync))!;

    public static ISiloBuilder AddTraceContext(this ISiloBuilder silo, IConfiguration configuration) =>
        Exporting(configuration)
            ? silo.AddActivityPropagation()
            : silo.AddOutgoingGrainCallFilter<Outgoing>().AddIncomingGrainCallFilter<Incoming>();

    public static IClientBuilder AddTraceContext(this IClientBuilder client, IConfiguration configuration) =>
        Exporting(configuration) ? client.AddActivityPropagation() : client.AddOutgoingGrainCallFilter<Outgoing>();

    private static bool Exporting(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    private sealed class Outgoing : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (Activity.Current is { Id: { } id } && context.InterfaceMethod != Validation)
            {
                RequestContext.Set(Key, id);
            }

            return context.Invoke();
        }
    }

    private sealed class Incoming : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context) =>
            RequestContext.Get(Key) is string parent ? InvokeWithin(context, parent) : context.Invoke();

        private static async Task InvokeWithin(IIncomingGrainCallContext context, string parent)
        {
            using var activity = new Activity("grain-call").SetParentId(parent).Start();
            await context.Invoke();
        }
    }
}
