namespace Identity.DevPostgres;

/// <summary>
/// <c>Identity.DevPostgres start &lt;data folder&gt;</c> starts (or reuses) the private server and
/// prints two connection strings, one a line: the application role's (what silos and Api nodes
/// use) and the owner's (for migrations: <c>ConnectionStrings__IdentityOwner</c>);
/// <c>stop &lt;data folder&gt;</c> stops it. Used by scripts/grid.sh
/// and bench/run.sh. (A named class, not top-level statements: the Api references this assembly
/// and has a <c>Program</c> of its own.)
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is not [var command and ("start" or "stop"), var dataDirectory])
        {
            Console.Error.WriteLine("usage: Identity.DevPostgres start|stop <data folder>");
            return 2;
        }

        try
        {
            if (command == "start")
            {
                var server = LocalPostgres.Start(dataDirectory, Console.Error);
                Console.WriteLine(server.ApplicationConnectionString);
                Console.WriteLine(server.ConnectionString);
            }
            else
            {
                LocalPostgres.StopIfRunning(dataDirectory);
            }

            return 0;
        }
        catch (DevPostgresException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }
}
