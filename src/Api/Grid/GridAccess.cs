using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Identity.Grains.Sessions;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Identity.Api.Grid;

/// <summary>How the Api reaches the grid.</summary>
public enum GridAccessMode
{
    /// <summary>The Api process hosts a silo itself (single node; the default run).</summary>
    CoHosted = 0,

    /// <summary>The Api is a stateless Orleans client of separate silos, found through the membership table.</summary>
    Client = 1,
}

/// <summary>The Api's side of the grid. Key <c>Orleans:Mode</c> (the rest of section <c>Orleans</c> is the silo's <see cref="GridOptions"/>).</summary>
public sealed class GridAccessOptions
{
    public const string Section = GridOptions.Section;

    /// <summary><c>CoHosted</c> (default) or <c>Client</c>.</summary>
    public GridAccessMode Mode { get; set; } = GridAccessMode.CoHosted;
}

internal sealed class GridAccessOptionsValidator() : OptionsValidator<GridAccessOptions>(GridAccessOptions.Section)
{
    protected override void Check(GridAccessOptions options, Failures failures) =>
        failures.Unless(Enum.IsDefined(options.Mode), nameof(options.Mode), "must be CoHosted or Client.");
}

internal static class GridAccess
{
    /// <summary>
    /// Co-hosted (the default run): this process hosts one silo of the grid next to the HTTP API,
    /// so a validation is an in-process grain call. Client (<c>Orleans:Mode=Client</c>): a stateless
    /// Orleans client of separate silos (src/Silo). Endpoints only see <see cref="IGrainFactory"/>
    /// (and <see cref="SessionGrains"/>), so the same code serves both.
    /// </summary>
    public static WebApplicationBuilder AddGridAccess(this WebApplicationBuilder builder)
    {
        var access = builder.Configuration.BindValidated<GridAccessOptions, GridAccessOptionsValidator>(GridAccessOptions.Section);
        builder.Services.AddValidatedOptions<GridAccessOptions, GridAccessOptionsValidator>(GridAccessOptions.Section);
        builder.Services.AddSingleton<SessionGrains>();
        // Api nodes verify token authenticators before any grain call, so they hold the key ring too.
        builder.Services.AddTokenAuthenticator();
        builder.Services.TryAddSingleton<SecurityEvents>();
        builder.Services.TryAddSingleton<GridMetrics>();
        if (access.Mode == GridAccessMode.Client)
        {
            builder.UseOrleansClient(client => client.ConfigureIdentityClient(builder.Configuration));
        }
        else
        {
            builder.UseLocalDatabaseWhenNoneConfigured();
            builder.UseLocalTokenKeyWhenNoneConfigured();
            builder.UseLocalCertificatesWhenNoneConfigured();
            builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration, singleNode: true));
        }

        return builder;
    }
}
