using System.Net;
using Identity.Grains.Hosting.Options;
using Microsoft.AspNetCore.HttpOverrides;

namespace Identity.Api.Http;

/// <summary>
/// Which proxies may tell the Api the client's address (<c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c>).
/// Configuration section <c>ForwardedHeaders</c>. With none configured (the default) forwarded
/// headers are ignored and the client is the connection's remote address, so nobody can choose
/// the address their rate limits are counted against.
/// </summary>
public sealed class ClientAddressOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of proxies in front of the Api, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of proxies in front of the Api, in CIDR, e.g. <c>10.0.0.0/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool TrustsAnyProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}

internal sealed class ClientAddressOptionsValidator() : OptionsValidator<ClientAddressOptions>(ClientAddressOptions.Section)
{
    protected override void Check(ClientAddressOptions options, Failures failures)
    {
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            failures.Unless(IPAddress.TryParse(options.KnownProxies[i], out _), $"KnownProxies:{i}", $"must be an IP address (got '{options.KnownProxies[i]}').");
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            failures.Unless(System.Net.IPNetwork.TryParse(options.KnownNetworks[i], out _), $"KnownNetworks:{i}", $"must be a network in CIDR notation, e.g. 10.0.0.0/8 (got '{options.KnownNetworks[i]}').");
        }
    }
}

internal static class ClientAddresses
{
    public static WebApplicationBuilder AddClientAddresses(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ClientAddressOptions, ClientAddressOptionsValidator>(ClientAddressOptions.Section);
        var trusted = builder.Configuration.BindValidated<ClientAddressOptions, ClientAddressOptionsValidator>(ClientAddressOptions.Section);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; only what is configured is trusted here.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            // Walk the whole chain of trusted proxies, stopping at the first address that is not one.
            o.ForwardLimit = null;
            foreach (var proxy in trusted.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in trusted.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>Forwarded headers are read only when a proxy is trusted; otherwise they are ignored.</summary>
    public static WebApplication UseClientAddresses(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClientAddressOptions>>().Value.TrustsAnyProxy)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
