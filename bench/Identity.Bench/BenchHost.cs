using System.Security.Cryptography;
using System.Text;
using Identity.Api.Features.Sessions;
using Identity.Api.Grid;
using Identity.Api.Hosting;
using Identity.Contracts.Sessions;
using Identity.Grains.Hosting;
using Identity.Grains.Passwords;
using Identity.Grains.Sessions;
using Identity.Grains.Storage.PostgreSql;
using Npgsql;

namespace Identity.Bench;

/// <summary>
/// The Api exactly as it runs (same composition, same pipeline), plus reference endpoints measured
/// in the same process:
/// <c>GET /bench/constant</c> answers a fixed session document through the same pipeline (what our
/// middleware costs; the machine's own limit is the separate bare process, <see cref="BareKestrel"/>);
/// <c>GET /bench/db-session</c> does the same check as one primary-key SELECT through Npgsql,
/// the way a database-backed session store does it (Kratos' whoami, for one);
/// <c>GET /bench/floor</c> makes the one grain call a check needs, to a trivial grain keyed by the
/// token's session id (the Orleans floor: <see cref="IFloorGrain"/>), without authentication;
/// <c>GET /bench/allocated</c> reports the bytes this process has allocated so far, so the harness
/// can divide a run's allocation by its requests;
/// <c>GET /bench/allocations</c> is a sampled allocation profile by type (<see cref="AllocationSampler"/>);
/// <c>POST /bench/seed?count=N</c> creates N sessions (grid and baseline table) and returns their tokens.
/// </summary>
internal static class BenchHost
{
    internal static readonly System.Text.Json.JsonSerializerOptions ConstantJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    internal static readonly CurrentSessionResponse Constant = new(
        Guid.Parse("0b9f2f1e-5d0c-4a8e-9d47-0f6c3d1b2a11"), Guid.Parse("01a21800-b78a-73a3-a7e1-afd23d7cda7e"), "constant-user",
        new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 10, 12, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 26, 13, 0, 0, TimeSpan.Zero));

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddIdentityApi();
        // Seeding logins are cheap; every other login (the login scenario's) hashes for real.
        builder.Services.AddSingleton<IPasswordHasher>(provider => new SeedingPasswordHasher(ActivatorUtilities.CreateInstance<Argon2idPasswordHasher>(provider)));
        var app = builder.Build();
        app.UseIdentityApi();

        // The baseline lives next to a co-hosted grid; a client-mode host (topology scenario) needs none.
        var baseline = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GridAccessOptions>>().Value.Mode == GridAccessMode.CoHosted
            ? await BaselineStore.CreateAsync(app.Configuration.GetConnectionString("Identity"))
            : null;
        app.MapGet("/bench/constant", () => TypedResults.Ok(Constant));
        app.MapGet("/bench/db-session", async (HttpContext http) =>
        {
            var header = http.Request.Headers.Authorization.ToString();
            if (baseline is null || !header.StartsWith("Bearer ", StringComparison.Ordinal)
                || !SessionToken.TryParse(header.AsSpan(7), TokenKind.Access, out var token))
            {
                return Results.Unauthorized();
            }

            var session = await baseline.FindAsync(token);
            return session is null ? Results.Unauthorized() : TypedResults.Ok(session);
        });
        app.MapGet("/bench/floor", async (HttpContext http, IGrainFactory grains) =>
        {
            var header = http.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !SessionToken.TryParse(header.AsSpan(7), TokenKind.Access, out var token))
            {
                return Results.Unauthorized();
            }

            var view = await grains.GetGrain<IFloorGrain>(token.SessionId).GetAsync();
            return TypedResults.Ok(new CurrentSessionResponse(view.SessionId, view.UserId, view.Username, view.CreatedAt, view.ExpiresAt, view.AccessTokenExpiresAt));
        });
        var sampler = new AllocationSampler();
        app.MapGet("/bench/allocations", (bool? reset) =>
        {
            if (reset == true)
            {
                sampler.Reset();
            }

            return Results.Text(sampler.Report(40));
        });
        app.MapGet("/bench/allocated", () => Results.Text(GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // client (and scope): sessions as the OpenID Connect token endpoint starts them for that client, so its refresh grant accepts their refresh tokens.
        app.MapPost("/bench/seed", async (int count, string? client, string? scope, IGrainFactory grains) =>
        {
            var lines = new StringBuilder();
            var users = await BenchSessions.RegisterUsersAsync(grains, BenchSessions.UsersFor(count));
            var grant = client is null ? TokenGrant.None : new TokenGrant(null, scope, client);
            foreach (var (tokens, userId, username) in await BenchSessions.LoginAsync(grains, users, count, new ClientContext("bench", "127.0.0.1"), grant: grant))
            {
                if (baseline is not null)
                {
                    await baseline.AddAsync(tokens, userId, username);
                }

                lines.Append(tokens.AccessToken).Append(' ').Append(tokens.RefreshToken).Append('\n');
            }

            return Results.Text(lines.ToString(), "text/plain");
        });

        await app.RunAsync();
        return 0;
    }
}

/// <summary>The database-per-request baseline: sessions in a table, looked up by primary key.</summary>
internal sealed class BaselineStore(NpgsqlDataSource dataSource)
{
    public static async Task<BaselineStore?> CreateAsync(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        // Prepared statements, as a tuned session store would use.
        var builder = new NpgsqlConnectionStringBuilder(IdentityDatabase.WithDefaults(connectionString)) { MaxAutoPrepare = 10, MaxPoolSize = 64 };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var create = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS bench_session
            (
                session_id    uuid PRIMARY KEY,
                user_id       uuid NOT NULL,
                username      text NOT NULL,
                created_at    timestamptz NOT NULL,
                expires_at    timestamptz NOT NULL,
                access_digest bytea NOT NULL
            )
            """);
        await create.ExecuteNonQueryAsync();
        return new BaselineStore(dataSource);
    }

    public async Task AddAsync(IssuedTokens tokens, Guid userId, string username)
    {
        SessionToken.TryParse(tokens.AccessToken, TokenKind.Access, out var token);
        var digest = new byte[TokenDigest.Size];
        token.Digest.WriteTo(digest);
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO bench_session VALUES (@id, @user, @name, @created, @expires, @digest) ON CONFLICT DO NOTHING");
        insert.Parameters.AddWithValue("id", tokens.SessionId);
        insert.Parameters.AddWithValue("user", userId);
        insert.Parameters.AddWithValue("name", username);
        insert.Parameters.AddWithValue("created", tokens.IssuedAt);
        insert.Parameters.AddWithValue("expires", tokens.IssuedAt.AddDays(14));
        insert.Parameters.AddWithValue("digest", digest);
        await insert.ExecuteNonQueryAsync();
    }

    public async Task<CurrentSessionResponse?> FindAsync(SessionToken token)
    {
        await using var select = dataSource.CreateCommand(
            "SELECT user_id, username, created_at, expires_at, access_digest FROM bench_session WHERE session_id = @id");
        select.Parameters.AddWithValue("id", token.SessionId);
        await using var reader = await select.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        var stored = (byte[])reader.GetValue(4);
        Span<byte> presented = stackalloc byte[TokenDigest.Size];
        token.Digest.WriteTo(presented);
        if (!CryptographicOperations.FixedTimeEquals(stored, presented))
        {
            return null;
        }

        var created = reader.GetFieldValue<DateTimeOffset>(2);
        return new CurrentSessionResponse(token.SessionId, reader.GetGuid(0), reader.GetString(1), created, reader.GetFieldValue<DateTimeOffset>(3), created.AddHours(1));
    }
}
