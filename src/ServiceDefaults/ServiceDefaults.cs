using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Identity.ServiceDefaults;

/// <summary>Host defaults shared by every process of the grid (Api nodes and silos).</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// Serilog to the console, levels from the <c>Serilog</c> configuration section, with the log
    /// context (request and trace ids) on every event.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // Serilog writes the console itself; the host's default providers (console, debug) would print
        // every event a second time, since Serilog also forwards to the providers registered in DI.
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture),
            // Logger providers registered in DI (an OpenTelemetry exporter, a test's capture) see the events too.
            writeToProviders: true);
        return builder;
    }
}
