using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Identity.Client.Checks;

/// <summary>One token check per authentication scheme, made from its options on first use.</summary>
internal sealed class IdentityGridChecks(IServiceProvider services, IOptionsMonitor<IdentityGridOptions> options, IHttpClientFactory clients, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ITokenCheck> _checks = new(StringComparer.Ordinal);

    public static string HttpClientName(string scheme) => $"IdentityGrid:{scheme}";

    public ITokenCheck For(string scheme) => _checks.GetOrAdd(scheme, name =>
    {
        var settings = options.Get(name);
        return settings.Mode switch
        {
            IdentityGridMode.InCluster => new InClusterTokenCheck(settings, services.GetService<IGrainFactory>()
                ?? throw new InvalidOperationException("IdentityGrid in-cluster mode needs an Orleans client: builder.UseIdentityGridCluster() (or UseOrleansClient) before AddIdentityGrid."), time),
            _ => new RemoteTokenCheck(settings, clients.CreateClient(HttpClientName(name)), time),
        };
    });
}
