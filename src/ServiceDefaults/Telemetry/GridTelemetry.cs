using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Identity.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry for every process of the grid: the grid's own meters (<c>Identity.*</c>),
/// Orleans', Npgsql's, ASP.NET Core's, HttpClient's and the runtime's; traces from the HTTP request
/// through the grain call (Orleans' activity sources, with the trace context carried in each call)
/// to the SQL command. Metrics are scraped on the management port (<see cref="Management.ManagementListener"/>);
/// both signals also go out over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
/// <remarks>
/// Spans are recorded only when there is somewhere to send them (OTLP); the standard
/// <c>OTEL_TRACES_SAMPLER</c> / <c>OTEL_TRACES_SAMPLER_ARG</c> then decide how many (default every
/// trace; at high volume use <c>parentbased_traceidratio</c>). Recording every span cost a token
/// check ≈ 9 % more CPU (<c>bench/ab.sh</c>, docs/performance.md). Without an exporter only the
/// trace context travels: each request's activity carries it, grain calls pass it on
/// (<c>Identity.Grains.Telemetry.TraceContext</c>), and Serilog writes it with every event.
/// </remarks>
public static class GridTelemetry
{
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Orleans' spans for calls to application grains (both sides of each call) and for grain-state reads and writes; not its internal runtime calls.</summary>
    private static readonly string[] OrleansSources = [ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.StorageActivitySourceName];

    public static TBuilder AddGridTelemetry<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter("Identity.*", OrleansMeter, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(OrleansSources)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsql())
                .UseOtlpExporter();
        }
        else
        {
            builder.Services.AddHostedService<TraceContextOnly>();
        }

        return builder;
    }

    /// <summary>
    /// Without an exporter: each request still gets an activity carrying its trace context (the
    /// client's <c>traceparent</c>, or a new one) and nothing else
    /// (<see cref="ActivitySamplingResult.PropagationData"/>: no tags, no recording), whatever the
    /// log levels; grain calls carry it on (<c>TraceContext</c> in the grains), so every log line has it.
    /// </summary>
    private sealed class TraceContextOnly : IHostedService, IDisposable
    {
        private readonly ActivityListener listener = new()
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };

        public Task StartAsync(CancellationToken cancellationToken)
        {
            ActivitySource.AddActivityListener(listener);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => listener.Dispose();
    }
}
