using Identity.Grains.Hosting;
using Serilog;

// A grid node: one Orleans silo hosting the identity grains, no HTTP API.
var builder = Host.CreateApplicationBuilder(args);

builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .Enrich.FromLogContext()
    .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration));

await builder.Build().RunAsync();
