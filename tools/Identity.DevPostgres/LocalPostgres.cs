using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Identity.DevTools;
using Npgsql;

namespace Identity.DevPostgres;

/// <summary>
/// A private PostgreSQL server for the zero-setup run: its own data folder, a free loopback port,
/// password authentication, started if not already running and stopped on request. As root it
/// runs as the <c>postgres</c> user, because initdb and pg_ctl refuse root.
/// </summary>
public sealed class LocalPostgres
{
    public const string DatabaseName = "identity";
    private const string Superuser = "identity";

    /// <summary>The role the grid connects as: it owns nothing and reads and writes the identity tables only.</summary>
    public const string ApplicationRole = "identity_app";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;
    private string _serverSettings = string.Empty;

    private LocalPostgres(string binDirectory, string dataDirectory, int port, string password, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        DataDirectory = dataDirectory;
        Port = port;
        _asPostgresUser = asPostgresUser;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Password = password,
            Database = DatabaseName,
        }.ConnectionString;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>As the superuser, which owns the database: for schema migrations and tools.</summary>
    public string ConnectionString { get; }

    /// <summary>As <see cref="ApplicationRole"/>: what the grid connects with.</summary>
    public string ApplicationConnectionString { get; private set; } = string.Empty;

    /// <summary>
    /// Starts (or reuses, when it is already running) the server whose data lives in
    /// <paramref name="dataDirectory"/>, creating it on first use.
    /// </summary>
    /// <param name="preloadStatements">Load pg_stat_statements, so tests can count statements.</param>
    public static LocalPostgres Start(string dataDirectory, TextWriter log, bool preloadStatements = false) =>
        Start(dataDirectory, log, preloadStatements, FindBinaries());

    internal static LocalPostgres Start(string dataDirectory, TextWriter log, bool preloadStatements, string? binDirectory)
    {
        _ = binDirectory ?? throw new DevPostgresException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or under /usr/lib/postgresql/*/bin. "
            + "Install them (Debian/Ubuntu: sudo apt-get install -y postgresql), or point the service at a server with "
            + "ConnectionStrings__Identity=\"Host=...;Database=...;Username=...;Password=...\", "
            + "or run without persistence with Storage__Mode=Memory.");
        var requested = Path.GetFullPath(dataDirectory);
        var asPostgresUser = Environment.IsPrivilegedProcess;
        var data = asPostgresUser ? ReachableByPostgresUser(requested, log) : requested;
        var password = EnsureInitialized(binDirectory, data, requested + ".password", asPostgresUser, log);

        var server = new LocalPostgres(binDirectory, data, RunningPort(data) ?? FreeLoopbackPort(), password, asPostgresUser);
        // Room for several processes' connection pools (a local cluster, the benchmark's baseline).
        server._serverSettings = $"-c listen_addresses=127.0.0.1 -c port={server.Port} -c unix_socket_directories='' -c max_connections=400"
            + (preloadStatements ? " -c shared_preload_libraries=pg_stat_statements" : string.Empty);
        if (RunningPort(data) is null)
        {
            server.Restart();
            log.WriteLine($"Started private PostgreSQL for the identity grid on 127.0.0.1:{server.Port} (data: {data}).");
        }
        else
        {
            log.WriteLine($"Using the private PostgreSQL already running on 127.0.0.1:{server.Port} (data: {data}).");
        }

        server.EnsureDatabase();
        var applicationPassword = ApplicationPassword(requested + ".app-password");
        server.EnsureApplicationRole(applicationPassword);
        server.ApplicationConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString)
        {
            Username = ApplicationRole,
            Password = applicationPassword,
        }.ConnectionString;
        return server;
    }

    /// <summary>Stops the server running on <paramref name="dataDirectory"/>, if one is; false when none was.</summary>
    public static bool StopIfRunning(string dataDirectory)
    {
        var requested = Path.GetFullPath(dataDirectory);
        var data = new DirectoryInfo(requested).LinkTarget is { } target ? Path.GetFullPath(target, Path.GetDirectoryName(requested)!) : requested;
        if (RunningPort(data) is null || FindBinaries() is not { } binDirectory)
        {
            return false;
        }

        RunTool(binDirectory, Environment.IsPrivilegedProcess, "pg_ctl", "stop", "-D", data, "-m", "fast", "-w", "-t", "60");
        return true;
    }

    /// <summary>Stops the server (fast shutdown: open transactions are rolled back, data is safe).</summary>
    public void Stop() => Run("pg_ctl", "stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60");

    /// <summary>Stops the server abruptly, as a crash would. For fault tests.</summary>
    public void Kill() => Run("pg_ctl", "stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60");

    /// <summary>Starts the stopped server, on the same port and settings.</summary>
    public void Restart() =>
        Run("pg_ctl", "start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(DataDirectory, "server.log"), "-o", _serverSettings);

    public bool IsRunning => RunningPort(DataDirectory) is not null;

    /// <summary>The directory holding initdb and pg_ctl: the one pg_ctl on PATH really lives in, else the newest /usr/lib/postgresql/*/bin.</summary>
    public static string? FindBinaries() =>
        FindBinaries(Environment.GetEnvironmentVariable("PATH") ?? string.Empty, "/usr/lib/postgresql");

    internal static string? FindBinaries(string path, string debianRoot)
    {
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(directory, "pg_ctl");
            if (File.Exists(pgCtl))
            {
                var real = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
                var realDirectory = Path.GetDirectoryName(real)!;
                if (File.Exists(Path.Combine(realDirectory, "initdb")))
                {
                    return realDirectory;
                }
            }
        }

        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
            .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Bin)
            .FirstOrDefault();
    }

    /// <summary>Creates the data folder on first use; returns the superuser password (kept next to it, readable by the owner only).</summary>
    private static string EnsureInitialized(string binDirectory, string data, string passwordFile, bool asPostgresUser, TextWriter log)
    {
        if (File.Exists(Path.Combine(data, "PG_VERSION")) && File.Exists(passwordFile))
        {
            return File.ReadAllText(passwordFile).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        Directory.CreateDirectory(Path.GetDirectoryName(passwordFile)!);
        if (Directory.Exists(data))
        {
            // A folder without PG_VERSION is a failed earlier initdb: start over.
            Directory.Delete(data, recursive: true);
        }

        Directory.CreateDirectory(data);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var initPasswordFile = Path.Combine(Path.GetTempPath(), $"identity-pg-{Guid.NewGuid():N}");
        SecretFiles.Write(initPasswordFile, password);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            if (asPostgresUser)
            {
                RunProcess("chown", ["postgres:postgres", data, initPasswordFile], asPostgresUser: false);
            }

            RunTool(binDirectory, asPostgresUser, "initdb", "-D", data, "-U", Superuser, "--auth=scram-sha-256", $"--pwfile={initPasswordFile}", "-E", "UTF8", "--no-locale");
        }
        finally
        {
            File.Delete(initPasswordFile);
        }

        SecretFiles.Write(passwordFile, password);
        log.WriteLine($"Created a private PostgreSQL data folder at {data}.");
        return password;
    }

    /// <summary>
    /// As root the server runs as the postgres user, which must be able to reach the data folder.
    /// When a parent folder is private (a home directory with mode 0700, say), the data is kept
    /// under /var/lib/identity-grid instead, and the requested path becomes a link to it.
    /// </summary>
    private static string ReachableByPostgresUser(string requested, TextWriter log)
    {
        var parent = Path.GetDirectoryName(requested)!;
        if (new DirectoryInfo(requested).LinkTarget is { } target)
        {
            return Path.GetFullPath(target, parent);
        }

        Directory.CreateDirectory(parent);
        if (CanPostgresUserReach(parent))
        {
            return requested;
        }

        var id = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requested)))[..16].ToLowerInvariant();
        var fallback = Path.Combine("/var/lib/identity-grid", id, "postgres");
        Directory.CreateDirectory(Path.GetDirectoryName(fallback)!);
        if (Directory.Exists(requested))
        {
            Directory.Delete(requested, recursive: true);
        }

        Directory.CreateSymbolicLink(requested, fallback);
        log.WriteLine($"The postgres user cannot reach {parent} (a parent folder is private); keeping the data in {fallback}, linked from {requested}.");
        return fallback;
    }

    private static bool CanPostgresUserReach(string directory)
    {
        try
        {
            RunProcess("test", ["-x", directory], asPostgresUser: true);
            return true;
        }
        catch (DevPostgresException)
        {
            return false;
        }
    }

    /// <summary>The port of the server running on <paramref name="data"/>, from its postmaster.pid, or null.</summary>
    private static int? RunningPort(string data)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 4 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : port;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The application role's password, kept next to the superuser's (0600); made on first use.</summary>
    private static string ApplicationPassword(string passwordFile)
    {
        if (File.Exists(passwordFile))
        {
            return File.ReadAllText(passwordFile).Trim();
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        SecretFiles.Write(passwordFile, password);
        return password;
    }

    /// <summary>
    /// The application's own role: it may log in and nothing else; the schema migration (run as the
    /// owner) grants it what the grid needs on the identity tables.
    /// </summary>
    private void EnsureApplicationRole(string password)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres" };
        using var connection = new NpgsqlConnection(admin.ConnectionString);
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @name", connection);
        exists.Parameters.AddWithValue("name", ApplicationRole);
        var verb = exists.ExecuteScalar() is null ? "CREATE" : "ALTER";
        // Role statements take no parameters; the password is hex we generated.
        using var role = new NpgsqlCommand(
            $"{verb} ROLE {ApplicationRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '{password}'", connection);
        role.ExecuteNonQuery();
    }

    private void EnsureDatabase()
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres" };
        using var connection = new NpgsqlConnection(admin.ConnectionString);
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", DatabaseName);
        if (exists.ExecuteScalar() is null)
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", connection);
            create.ExecuteNonQuery();
        }
    }

    private void Run(string tool, params string[] arguments) => RunTool(_binDirectory, _asPostgresUser, tool, arguments);

    private static void RunTool(string binDirectory, bool asPostgresUser, string tool, params string[] arguments) =>
        RunProcess(Path.Combine(binDirectory, tool), arguments, asPostgresUser);

    private static void RunProcess(string fileName, IReadOnlyList<string> arguments, bool asPostgresUser)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgresUser ? "runuser" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgresUser)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", fileName])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DevPostgresException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new DevPostgresException($"{Path.GetFileName(fileName)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new DevPostgresException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {error.Result.Trim()} {output.Result.Trim()}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
