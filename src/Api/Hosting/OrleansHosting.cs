using Identity.Grains.Hosting;

namespace Identity.Api.Hosting;

internal static class OrleansHosting
{
    /// <summary>
    /// Co-hosted (the default run): this process hosts one silo of the grid next to the HTTP API,
    /// so a validation is an in-process grain call. Client (<c>Orleans:Mode=Client</c>): a stateless
    /// Orleans client of separate silos (src/Silo). Endpoints only see <see cref="IGrainFactory"/>,
    /// so the same code serves both.
    /// </summary>
    public static WebApplicationBuilder AddIdentityGrid(this WebApplicationBuilder builder)
    {
        if (ClusterSettings.From(builder.Configuration).Mode == ApiHostingMode.Client)
        {
            builder.UseOrleansClient(client => client.ConfigureIdentityClient(builder.Configuration));
        }
        else
        {
            builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration));
        }

        return builder;
    }
}
