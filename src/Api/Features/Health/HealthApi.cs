using System.Text.Json;
using Identity.Api.Features.Introspection;
using Identity.Contracts.Health;
using Identity.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Health;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c>: the grid answers a call, and
/// its storage answers the silo that took the call; 503 otherwise. Both questions go to the grid
/// (<see cref="IGridProbeGrain"/>), so co-hosted and client-mode Api nodes report the same way.
/// </summary>
internal static class HealthApi
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddIdentityHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<GridHealthCheck>("grid", tags: [ReadyTag])
            .AddCheck<StorageHealthCheck>("database", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Health");
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Health");
        return routes;
    }

    /// <summary>
    /// Anyone (a load balancer) learns healthy or not; which check failed, with database host and
    /// silo names, is told only to a caller with client credentials (HTTP Basic, as for introspection).
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var detailed = ClientCredentials.IsAuthenticated(context, context.RequestServices.GetRequiredService<IOptions<IntrospectionOptions>>().Value.Clients);
        return JsonSerializer.SerializeAsync(context.Response.Body, new HealthResponse(
            report.Status.ToString(),
            detailed ? report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description)) : null),
            HealthJsonContext.Default.HealthResponse,
            context.RequestAborted);
    }
}

internal sealed record HealthResponse(
    string Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, HealthEntry>? Checks);

internal sealed record HealthEntry(string Status, string? Description);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthResponse))]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Ready when a grain call (touching no storage) is answered within two seconds.</summary>
internal sealed class GridHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silo = await grains.GetGrain<IGridProbeGrain>(0).ProbeAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Silo {silo} answered.");
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("The grid did not answer.");
        }
    }
}

/// <summary>
/// Ready when the silo's storage answers (the silo bounds its own check at two seconds). Not ready
/// means writes (register, login, refresh, logout) are failing with 503; validations of live sessions go on.
/// </summary>
internal sealed class StorageHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var storage = await grains.GetGrain<IGridProbeGrain>(0).CheckStorageAsync().WaitAsync(Timeout, cancellationToken);
            return storage.Healthy ? HealthCheckResult.Healthy(storage.Description) : HealthCheckResult.Unhealthy(storage.Description);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("The grid did not answer, so its storage could not be checked.");
        }
    }
}
