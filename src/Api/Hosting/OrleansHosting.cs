using Identity.Grains.Hosting;

namespace Identity.Api.Hosting;

internal static class OrleansHosting
{
    /// <summary>
    /// Single-node mode (the default run): this process hosts one silo of the grid next to the
    /// HTTP API, so a validation is an in-process grain call. The endpoints only see
    /// <see cref="IGrainFactory"/>, so the same code serves a separate-process topology.
    /// </summary>
    public static WebApplicationBuilder AddIdentityGrid(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration));
        return builder;
    }
}
