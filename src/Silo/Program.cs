using Identity.Grains.Hosting;
using Identity.ServiceDefaults;

// A grid node: one Orleans silo hosting the identity grains, no HTTP API. It joins the grid
// through the membership table in ConnectionStrings:Identity; SIGTERM leaves it gracefully.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration));
await builder.Build().RunAsync();
