using Identity.Grains.Hosting;
using Identity.ServiceDefaults;
using Identity.ServiceDefaults.Hosting;
using Identity.ServiceDefaults.Management;

// A grid node: one Orleans silo hosting the identity grains; its only HTTP is the management
// listener (metrics). It joins the grid through the membership table in ConnectionStrings:Identity;
// SIGTERM leaves it gracefully.
return await NodeRunner.RunAsync(
    "identity-silo",
    () => WebApplication.CreateSlimBuilder(args),
    builder =>
    {
        builder.AddServiceDefaults("identity-silo");
        builder.AddManagementOnlyListener();
        builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration));
    },
    app => app.UseManagementEndpoints());
