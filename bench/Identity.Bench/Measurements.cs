using System.Diagnostics;
using System.Globalization;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Grains.Hosting;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Storage.PostgreSql;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Identity.Bench;

/// <summary>Measurements made inside one process; each prints <c>key=value</c> lines for bench/run.sh.</summary>
internal static class Measurements
{
    /// <summary>Raw Argon2id rate with the production hasher and its thread pool: the ceiling for logins/s.</summary>
    public static async Task<int> HashRateAsync(double seconds)
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var hasher = new Argon2idPasswordHasher(Options.Create(new PasswordOptions()), new GridMetrics(meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        var password = new Password("correct horse battery staple");
        await hasher.HashAsync(password); // warm up
        var clock = Stopwatch.StartNew();
        var done = 0;
        var workers = Enumerable.Range(0, Environment.ProcessorCount * 2).Select(async _ =>
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                await hasher.HashAsync(password);
                Interlocked.Increment(ref done);
            }
        });
        await Task.WhenAll(workers);
        Console.WriteLine(Invariant($"hashes={done}"));
        Console.WriteLine(Invariant($"hashes_per_second={done / clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    /// <summary>
    /// Memory per live session on one silo: N session grains activated (state in memory, storage
    /// that keeps nothing), then managed heap and working set after a full compacting GC, minus
    /// the same before.
    /// </summary>
    public static async Task<int> MemoryPerSessionAsync(int sessions)
    {
        using var host = await StartSiloAsync(services => services.AddKeyedSingleton<IGrainStorage>(IdentityStorage.ProviderName, new DiscardingGrainStorage()));
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        // Their users exist before the first measurement: what is measured is what a session adds
        // (its grain, and its entry in its user's list).
        var warmUpUsers = await BenchSessions.RegisterUsersAsync(grains, BenchSessions.UsersFor(1000));
        var users = await BenchSessions.RegisterUsersAsync(grains, BenchSessions.UsersFor(sessions));
        await StartSessionsAsync(grains, warmUpUsers, 1000);
        var (heapBefore, workingSetBefore) = Settle();

        await StartSessionsAsync(grains, users, sessions);
        var (heapAfter, workingSetAfter) = Settle();

        // The floor: the same number of activations of a grain with no state at all.
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 256 },
            async (_, _) => await grains.GetGrain<IEmptyGrain>(Guid.NewGuid()).TouchAsync());
        var (heapWithEmpty, _) = Settle();

        Console.WriteLine(Invariant($"sessions={sessions}"));
        Console.WriteLine(Invariant($"empty_grain_heap_bytes_per_activation={(heapWithEmpty - heapAfter) / (double)sessions:F0}"));
        Console.WriteLine(Invariant($"heap_bytes_per_session={(heapAfter - heapBefore) / (double)sessions:F0}"));
        Console.WriteLine(Invariant($"working_set_bytes_per_session={(workingSetAfter - workingSetBefore) / (double)sessions:F0}"));
        Console.WriteLine(Invariant($"heap_total_mb={heapAfter / 1048576.0:F0}"));
        Console.WriteLine(Invariant($"working_set_total_mb={workingSetAfter / 1048576.0:F0}"));
        if (Environment.GetEnvironmentVariable("BENCH_PAUSE_SECONDS") is { } pause)
        {
            // Time to take a heap snapshot (dotnet-gcdump collect -p <pid>) while the sessions are live.
            Console.WriteLine(Invariant($"pid={Environment.ProcessId}"));
            await Task.Delay(TimeSpan.FromSeconds(double.Parse(pause, CultureInfo.InvariantCulture)));
        }

        await host.StopAsync();
        return 0;
    }

    /// <summary>
    /// Latency of validating a session whose grain is not active (one storage read) and of the
    /// next validation (memory), on a silo persisting to PostgreSQL.
    /// </summary>
    public static async Task<int> ColdValidationAsync(int sessions, string connectionString)
    {
        var database = await IdentityDatabase.OpenAsync(connectionString);
        using var host = await StartSiloAsync(services => { }, silo => silo.AddIdentityPostgres(database, clustering: false));
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var tokens = await StartSessionsAsync(grains, await BenchSessions.RegisterUsersAsync(grains, BenchSessions.UsersFor(sessions), parallelism: 16), sessions, parallelism: 16);
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var first = new List<double>(sessions);
        var second = new List<double>(sessions);
        foreach (var token in tokens)
        {
            SessionToken.TryParse(token.AccessToken, TokenKind.Access, out var parsed);
            var session = grains.GetGrain<ISessionGrain>(parsed.SessionId);
            var clock = Stopwatch.StartNew();
            var cold = await session.ValidateAccessTokenAsync(parsed.Digest);
            first.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var warm = await session.ValidateAccessTokenAsync(parsed.Digest);
            second.Add(clock.Elapsed.TotalMilliseconds);
            if (cold is null || warm is null)
            {
                throw new InvalidOperationException("A session did not validate.");
            }
        }

        Console.WriteLine(Invariant($"sessions={sessions}"));
        Console.WriteLine(Invariant($"cold_p50_ms={Percentile(first, 50):F3}"));
        Console.WriteLine(Invariant($"cold_p99_ms={Percentile(first, 99):F3}"));
        Console.WriteLine(Invariant($"warm_p50_ms={Percentile(second, 50):F3}"));
        Console.WriteLine(Invariant($"warm_p99_ms={Percentile(second, 99):F3}"));
        await host.StopAsync();
        await database.DisposeAsync();
        return 0;
    }

    private static async Task<IHost> StartSiloAsync(Action<IServiceCollection> services, Action<ISiloBuilder>? storage = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(
        [
            new("TokenKeys:Keys:0:Id", "0"),
            new("TokenKeys:Keys:0:Secret", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
        ]);
        builder.UseOrleans(silo =>
        {
            silo.AddIdentityGrains();
            silo.Services.AddSingleton<IPasswordHasher>(provider => new SeedingPasswordHasher(ActivatorUtilities.CreateInstance<Argon2idPasswordHasher>(provider)));
            silo.UseLocalhostClustering(siloPort: 21111, gatewayPort: 0);
            storage?.Invoke(silo);
            services(silo.Services);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <param name="parallelism">Sessions started at once; keep it under the storage's connection pool when storage is real (a login writes twice).</param>
    private static async Task<List<IssuedTokens>> StartSessionsAsync(IGrainFactory grains, IReadOnlyList<(Guid UserId, string Username)> users, int count, int parallelism = 256)
    {
        var client = new ClientContext("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "203.0.113.7");
        return [.. (await BenchSessions.LoginAsync(grains, users, count, client, parallelism)).Select(s => s.Tokens)];
    }

    private static (long Heap, long WorkingSet) Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Storage that keeps nothing, so memory measurements count only what the grid holds in memory.</summary>
internal sealed class DiscardingGrainStorage : IGrainStorage
{
    private int _version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
