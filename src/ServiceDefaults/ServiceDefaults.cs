using System.Globalization;
using Identity.Grains.Hosting.Options;
using Identity.ServiceDefaults.Hosting;
using Identity.ServiceDefaults.Logging;
using Identity.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Compact;

namespace Identity.ServiceDefaults;

/// <summary>Host defaults shared by every process of the grid (Api nodes and silos).</summary>
public static class ServiceDefaults
{
    private const string DashboardLogProvider = "Orleans.Dashboard.Implementation.DashboardLogger";

    /// <summary>What a text line looks like: the trace id last, when the event happened inside a traced request.</summary>
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {TraceId}{NewLine}{Exception}";

    /// <summary>
    /// Serilog to the console (text, or JSON lines with <c>Logging:Format=json</c>), levels from the
    /// <c>Serilog</c> configuration section, with the log context and the trace id on every event;
    /// and OpenTelemetry metrics and traces named <paramref name="serviceName"/>.
    /// </summary>
    /// <remarks>
    /// Serilog is one provider of the host's own <see cref="ILoggerFactory"/>, not a replacement
    /// factory: the host's factory caches a logger per category, Serilog's does not, and ASP.NET Core
    /// asks for a logger on every response it writes (<c>Ok&lt;T&gt;.ExecuteAsync</c>) — with
    /// Serilog's factory that was a new logger and its caches per request (measured: 1.2 KB of the
    /// 9.4 KB a token check allocated). Other providers (a test's capture, an exporter) are the
    /// factory's too and see every event; the host's default console and debug providers are
    /// removed, or they would print every event a second time.
    /// </remarks>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddValidatedOptions<LogFormatOptions, LogFormatOptionsValidator>(LogFormatOptions.Section);
        builder.Logging.ClearProviders();
        // Serilog's levels (its configuration section) decide; the factory lets everything through to it.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        // Except to the Orleans dashboard's live log (Management:Dashboard), which takes every level
        // it is offered: Information and up, or Orleans warns of verbose logging and every debug
        // message of every library would be formatted for it.
        builder.Logging.AddFilter((provider, _, level) => provider != DashboardLogProvider || level >= LogLevel.Information);
        // Built from the service provider's configuration, so settings added after this call (tests) count.
        builder.Services.AddSingleton<ILoggerProvider>(services =>
        {
            var settings = services.GetRequiredService<IConfiguration>();
            var configuration = new LoggerConfiguration()
                .ReadFrom.Configuration(settings)
                .Filter.ByExcluding(OrleansWatchdogArtifact.Matches)
                // A start-up failure a person can fix is said once, in one line, by NodeRunner; the
                // host's and Orleans' own reports of it would print its stack trace three times over.
                .Filter.ByExcluding(e => e.Exception is { } failure && StartupFailure.Explain(failure) is not null)
                .Filter.ByExcluding(OrleansShutdownRace.Matches)
                .Enrich.FromLogContext();
            // Read here, not through IOptions: an invalid value must not fail logging itself; start-up validation reports it with the others.
            configuration = new LogFormatOptions { Format = settings[$"{LogFormatOptions.Section}:{nameof(LogFormatOptions.Format)}"] ?? LogFormatOptions.Text }.IsJson
                ? configuration.WriteTo.Console(new RenderedCompactJsonFormatter())
                : configuration.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture);
            return new SerilogLoggerProvider(configuration.CreateLogger(), dispose: true);
        });
        builder.AddGridTelemetry(serviceName);
        return builder;
    }
}
