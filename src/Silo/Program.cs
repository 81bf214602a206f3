using Identity.Grains.Hosting;
using Identity.Grains.Storage.PostgreSql;
using Serilog;

// `Identity.Silo postgres start|stop <data folder>` manages a private PostgreSQL for a local
// cluster (scripts/cluster.sh); anything else runs a grid node.
if (args is ["postgres", var command, var dataDirectory, ..])
{
    return RunPostgresCommand(command, dataDirectory);
}

// A grid node: one Orleans silo hosting the identity grains, no HTTP API. It joins the cluster
// through the membership table in ConnectionStrings:Identity; SIGTERM leaves it gracefully.
var builder = Host.CreateApplicationBuilder(args);

builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .Enrich.FromLogContext()
    .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

builder.UseOrleans(silo => silo.ConfigureIdentitySilo(builder.Configuration, privateDatabaseAllowed: false));

await builder.Build().RunAsync();
return 0;

static int RunPostgresCommand(string command, string dataDirectory)
{
    try
    {
        switch (command)
        {
            case "start":
                Console.WriteLine(LocalPostgres.Start(dataDirectory, Console.Error).ConnectionString);
                return 0;
            case "stop":
                LocalPostgres.StopIfRunning(dataDirectory);
                return 0;
            default:
                Console.Error.WriteLine("usage: Identity.Silo postgres start|stop <data folder>");
                return 2;
        }
    }
    catch (IdentityDatabaseException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }
}
