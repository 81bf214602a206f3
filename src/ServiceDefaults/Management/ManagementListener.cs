using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Identity.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace Identity.ServiceDefaults.Management;

/// <summary>
/// A node's management port: <c>/metrics</c> for Prometheus and, when <c>Management:Dashboard</c>
/// is on, the Orleans dashboard at <c>/dashboard</c> for operators; nothing of the public API. The
/// Api listens on it beside its public URLs; a silo has no other HTTP listener. Requests are told
/// apart by the local port they arrived on — not by the Host header, which a client chooses.
/// </summary>
public static class ManagementListener
{
    private const string DashboardPath = "/dashboard";
    private const string OperatorRealm = "identity-admin";

    /// <summary>
    /// For the Api: listens on the management URLs as well as the public ones (<c>urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, else Kestrel's default).
    /// </summary>
    public static WebApplicationBuilder AddManagementListener(this WebApplicationBuilder builder)
    {
        var management = builder.BindManagement();
        if (management.Endpoints.Count > 0)
        {
            builder.WebHost.UseUrls([.. PublicUrls(builder), .. management.Endpoints.Select(uri => uri.OriginalString)]);
        }

        return builder;
    }

    /// <summary>For a silo: the management URLs are its only HTTP listener; without them it serves no HTTP at all.</summary>
    public static WebApplicationBuilder AddManagementOnlyListener(this WebApplicationBuilder builder)
    {
        var management = builder.BindManagement();
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
        var management = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value;
        var ports = management.Endpoints.Select(uri => uri.Port).ToHashSet();
        if (ports.Count == 0)
        {
            return app;
        }

        if (management.Dashboard)
        {
            app.MapOrleansDashboard(DashboardPath).WithMetadata(ManagementOnly.Instance);
        }

        app.UseWhen(context => ports.Contains(context.Connection.LocalPort), branch =>
        {
            branch.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == "/metrics");
            branch.Run(async context =>
            {
                // Routing ran first (WebApplication starts with it): the dashboard's endpoint, if this is one, is chosen already.
                if (context.GetEndpoint() is { RequestDelegate: { } dashboard } endpoint && endpoint.Metadata.GetMetadata<ManagementOnly>() is not null)
                {
                    if (IsOperator(context))
                    {
                        await dashboard(context);
                        return;
                    }

                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{OperatorRealm}\", charset=\"UTF-8\"";
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
            });
        });

        // On any other port the dashboard does not exist.
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ManagementOnly>() is not null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>Options bound and checked now (ports are decided here); the dashboard is for operators, so it needs some.</summary>
    private static ManagementOptions BindManagement(this WebApplicationBuilder builder)
    {
        var management = builder.Configuration.BindValidated<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        builder.Services.AddValidatedOptions<ManagementOptions, ManagementOptionsValidator>(ManagementOptions.Section);
        builder.Services.AddValidatedOptions<AdminOptions, AdminOptionsValidator>(AdminOptions.Section);
        if (management.Dashboard && builder.Configuration.BindValidated<AdminOptions, AdminOptionsValidator>(AdminOptions.Section).Operators.Count == 0)
        {
            throw new NodeStartupException(
                "Management:Dashboard is on but no operator is configured: set Admin:Operators:0:ClientId and Admin:Operators:0:SecretSha256 (the dashboard shows every grain's state), or turn the dashboard off.");
        }

        return management;
    }

    private static bool IsOperator(HttpContext context) =>
        ClientCredentials.IsAuthenticated(context, context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Operators);

    /// <summary>Marks endpoints served on the management port only.</summary>
    private sealed class ManagementOnly
    {
        public static readonly ManagementOnly Instance = new();
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
