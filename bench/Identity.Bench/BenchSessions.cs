using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Passwords;

namespace Identity.Bench;

/// <summary>
/// Sessions for the benchmark, started the one way the grid starts them — a login, which lists the
/// session with its user first — with a seeding password that <see cref="SeedingPasswordHasher"/>
/// checks in microseconds, so that seeding thousands of sessions is not itself a hashing benchmark.
/// Every other password (the login scenario's) costs the real Argon2id.
/// </summary>
internal static class BenchSessions
{
    public const string SeedPassword = "bench-seed-password, never a real one";

    /// <summary>Sessions one user holds at most (Sessions:MaxSessionsPerUser, default 100).</summary>
    public const int SessionsPerUser = 100;

    public static async Task<List<(Guid UserId, string Username)>> RegisterUsersAsync(IGrainFactory grains, int count, int parallelism = 64)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = new (Guid, string)[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
        {
            var username = $"bench-{run}-{i}";
            var result = await grains.GetGrain<IUserGrain>(Guid.CreateVersion7()).RegisterAsync(new Registration(username, null, new Password(SeedPassword)));
            users[i] = result is RegistrationResult.Registered registered
                ? (registered.UserId, username)
                : throw new InvalidOperationException($"Could not register {username}: {result}");
        });
        return [.. users];
    }

    /// <summary><paramref name="count"/> logins, round-robin over <paramref name="users"/> (keep count ≤ users × <see cref="SessionsPerUser"/>).</summary>
    public static async Task<List<(IssuedTokens Tokens, Guid UserId, string Username)>> LoginAsync(
        IGrainFactory grains, IReadOnlyList<(Guid UserId, string Username)> users, int count, ClientContext client, int parallelism = 64, TokenGrant? grant = null)
    {
        var sessions = new (IssuedTokens, Guid, string)[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
        {
            var (userId, username) = users[i % users.Count];
            LoginName.TryGetLoginKey(username, out var key);
            var result = await grains.GetGrain<ILoginNameGrain>(key).LoginAsync(new Password(SeedPassword), client, deviceToken: null, grant ?? TokenGrant.None);
            sessions[i] = result is LoginResult.Succeeded success
                ? (success.Tokens, userId, username)
                : throw new InvalidOperationException($"Seeding login of {username} failed: {result}");
        });
        return [.. sessions];
    }

    /// <summary>Users enough for <paramref name="sessions"/> sessions.</summary>
    public static int UsersFor(int sessions) => Math.Max(1, (sessions + SessionsPerUser - 1) / SessionsPerUser);
}

/// <summary>The production hasher, except for <see cref="BenchSessions.SeedPassword"/>, which it hashes to a marker and checks by comparison.</summary>
internal sealed class SeedingPasswordHasher(IPasswordHasher inner) : IPasswordHasher
{
    private const string SeedHash = "$bench-seed$";

    public Task<string> HashAsync(Password password) =>
        password.Value == BenchSessions.SeedPassword ? Task.FromResult(SeedHash) : inner.HashAsync(password);

    public Task<PasswordVerification> VerifyAsync(Password password, string encodedHash) => encodedHash == SeedHash
        ? Task.FromResult(new PasswordVerification(password.Value == BenchSessions.SeedPassword, false))
        : inner.VerifyAsync(password, encodedHash);

    public Task SpendVerificationCostAsync(Password password) =>
        password.Value == BenchSessions.SeedPassword ? Task.CompletedTask : inner.SpendVerificationCostAsync(password);
}
