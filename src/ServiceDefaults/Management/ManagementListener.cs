using Identity.Grains.Hosting.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Identity.ServiceDefaults.Management;

/// <summary>
/// A node's management port: <c>/metrics</c> for Prometheus, and nothing of the public API. The
/// Api listens on it beside its public URLs; a silo has no other HTTP listener. Requests are told
/// apart by the local port they arrived on — not by the Host header, which a client chooses.
/// </summary>
public static class ManagementListener
{
    /// <summary>
    /// For the Api: listens on the management URLs as well as the public ones (<c>urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, else Kestrel's default).
    /// </summary>
    public static WebApplicationBuilder AddManagementListener(this WebApplicationBuilder builder)
    {
        var management = builder.Configuration.BindValidated<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        builder.Services.AddValidatedOptions<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        if (management.Endpoints.Count > 0)
        {
            builder.WebHost.UseUrls([.. PublicUrls(builder), .. management.Endpoints.Select(uri => uri.OriginalString)]);
        }

        return builder;
    }

    /// <summary>For a silo: the management URLs are its only HTTP listener; without them it serves no HTTP at all.</summary>
    public static WebApplicationBuilder AddManagementOnlyListener(this WebApplicationBuilder builder)
    {
        var management = builder.Configuration.BindValidated<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        builder.Services.AddValidatedOptions<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        if (management.Endpoints.Count > 0)
        {
            builder.WebHost.UseUrls([.. management.Endpoints.Select(uri => uri.OriginalString)]);
        }
        else
        {
            builder.Services.AddSingleton<IServer, NoServer>();
        }

        return builder;
    }

    /// <summary>First in the pipeline: serves the management port and keeps its requests out of everything after it.</summary>
    public static WebApplication UseManagementEndpoints(this WebApplication app)
    {
        var ports = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value.Endpoints.Select(uri => uri.Port).ToHashSet();
        if (ports.Count == 0)
        {
            return app;
        }

        app.UseWhen(context => ports.Contains(context.Connection.LocalPort), management =>
        {
            management.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == "/metrics");
            management.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }

    private static IEnumerable<string> PublicUrls(WebApplicationBuilder builder)
    {
        if (builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var ports = (builder.Configuration[WebHostDefaults.HttpPortsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"http://*:{port}")
            .Concat((builder.Configuration[WebHostDefaults.HttpsPortsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(port => $"https://*:{port}"))
            .ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }

    /// <summary>An HTTP server that listens nowhere: a silo without a management port.</summary>
    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
