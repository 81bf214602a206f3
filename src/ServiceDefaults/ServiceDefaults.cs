using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Extensions.Logging;

namespace Identity.ServiceDefaults;

/// <summary>Host defaults shared by every process of the grid (Api nodes and silos).</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// Serilog to the console, levels from the <c>Serilog</c> configuration section, with the log
    /// context (request and trace ids) on every event.
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
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.ClearProviders();
        // Serilog's levels (its configuration section) decide; the factory lets everything through to it.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        // Built from the service provider's configuration, so settings added after this call (tests) count.
        builder.Services.AddSingleton<ILoggerProvider>(services => new SerilogLoggerProvider(
            new LoggerConfiguration()
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .Enrich.FromLogContext()
                .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture)
                .CreateLogger(),
            dispose: true));
        return builder;
    }
}
