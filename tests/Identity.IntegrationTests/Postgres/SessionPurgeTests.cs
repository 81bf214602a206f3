using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Storage;
using Identity.Testing;

namespace Identity.IntegrationTests.Postgres;

/// <summary>
/// Storage stays bounded: ended sessions leave no row, expired ones are purged by the ExpiredSessionPurger
/// (and leave their user's list), sessions still in use are kept. Time is the fake identity clock.
/// The same tests run on each store: PostgreSQL and the single-node SQLite default.
/// </summary>
public abstract class SessionPurgeTests
{
    /// <summary>Access tokens that outlive the idle timeout, so a session can be "used" days later by validation alone.</summary>
    private static readonly Dictionary<string, string?> LongAccessTokens = new() { ["Sessions:AccessTokenLifetime"] = "20.00:00:00" };

    private TestGrid _grid = null!;

    /// <summary>A grid on the store under test.</summary>
    private protected abstract Task<TestGrid> StartGridAsync(IReadOnlyDictionary<string, string?> settings);

    [TestInitialize]
    public async Task StartAsync()
    {
        _grid = await StartGridAsync(LongAccessTokens);
    }

    [TestCleanup]
    public async Task StopAsync()
        => await _grid.DisposeAsync();

    [TestMethod]
    public async Task Idle_expired_sessions_are_purged_and_leave_the_users_list_while_used_ones_stay()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(_grid.Grains, name);
        var idle = await GridScenario.LoginAsync(_grid.Grains, name);
        var used = await GridScenario.LoginAsync(_grid.Grains, name);
        Assert.AreEqual(2, await StoredSessionsAsync());

        _grid.Clock.Advance(TimeSpan.FromDays(13));
        Assert.IsNotNull(await GridScenario.ValidateAsync(_grid.Grains, used.AccessToken), "used: last seen moves on, in memory only");
        _grid.Clock.Advance(TimeSpan.FromDays(2));

        var purged = await _grid.Purger.PurgeExpiredSessionsAsync();

        Assert.AreEqual(1, purged);
        Assert.AreEqual(1, await StoredSessionsAsync());
        Assert.IsNull(await GridScenario.ValidateAsync(_grid.Grains, idle.AccessToken));
        Assert.IsNotNull(await GridScenario.ValidateAsync(_grid.Grains, used.AccessToken));
        await WaitForAsync(async () => !await ListedAsync(userId, idle.SessionId));
        Assert.IsTrue(await ListedAsync(userId, used.SessionId));
        Assert.AreEqual(0, await _grid.Purger.PurgeExpiredSessionsAsync(), "the kept session was written back with a later purge time");
    }

    [TestMethod]
    public async Task Sessions_past_their_absolute_lifetime_are_purged_however_active()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(_grid.Grains, name);
        var refreshToken = (await GridScenario.LoginAsync(_grid.Grains, name)).RefreshToken;
        for (var week = 0; week < 4; week++)
        {
            _grid.Clock.Advance(TimeSpan.FromDays(7));
            refreshToken = ((RefreshResult.Rotated)await GridScenario.RefreshAsync(_grid.Grains, refreshToken)).Tokens.RefreshToken;
        }

        Assert.AreEqual(0, await _grid.Purger.PurgeExpiredSessionsAsync(), "day 28: still within 30 days");
        _grid.Clock.Advance(TimeSpan.FromDays(2));
        Assert.AreEqual(1, await _grid.Purger.PurgeExpiredSessionsAsync());
        Assert.AreEqual(0, await StoredSessionsAsync());
    }

    [TestMethod]
    public async Task Ended_sessions_leave_no_row_at_once()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(_grid.Grains, name);
        var first = await GridScenario.LoginAsync(_grid.Grains, name);
        var second = await GridScenario.LoginAsync(_grid.Grains, name);
        var third = await GridScenario.LoginAsync(_grid.Grains, name);

        await _grid.Grains.GetGrain<ISessionGrain>(first.SessionId).LogoutAsync(GridScenario.Parse(first.AccessToken, TokenKind.Access).Digest);
        await _grid.Grains.GetGrain<IUserGrain>(userId).RevokeSessionAsync(second.SessionId);
        await GridScenario.RefreshAsync(_grid.Grains, third.RefreshToken);
        await GridScenario.RefreshAsync(_grid.Grains, third.RefreshToken);

        Assert.AreEqual(0, await StoredSessionsAsync(), "logout, revocation and reuse detection all delete the row");
    }

    [TestMethod]
    public async Task The_purge_runs_by_itself_every_purge_interval()
    {
        await _grid.DisposeAsync();
        _grid = await StartGridAsync(new Dictionary<string, string?>(LongAccessTokens) { ["Storage:PurgeInterval"] = "00:10:00" });
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(_grid.Grains, name);
        await GridScenario.LoginAsync(_grid.Grains, name);

        _grid.Clock.Advance(TimeSpan.FromDays(14));
        _grid.Clock.Advance(TimeSpan.FromMinutes(10));

        await WaitForAsync(async () => await StoredSessionsAsync() == 0);
    }

    private Task<long> StoredSessionsAsync() => _grid.CountStoredAsync(IdentityStorage.SessionState);

    private async Task<bool> ListedAsync(Guid userId, Guid sessionId) =>
        // The user's stored list, not the filtered live view.
        (await _grid.StoredPayloadAsync(IdentityStorage.UserState, userId))!.Contains(sessionId.ToString(), StringComparison.Ordinal);

    /// <summary>Waits for work the grid finishes asynchronously (a one-way call, a background purge), bounded.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out waiting");
            await Task.Delay(50);
        }
    }
}

[TestClass]
public sealed class PostgresSessionPurgeTests : SessionPurgeTests
{
    private protected override Task<TestGrid> StartGridAsync(IReadOnlyDictionary<string, string?> settings) => TestGrid.StartOnPostgresAsync(settings);
}

[TestClass]
public sealed class SqliteSessionPurgeTests : SessionPurgeTests
{
    private protected override Task<TestGrid> StartGridAsync(IReadOnlyDictionary<string, string?> settings) => TestGrid.StartOnSqliteAsync(settings);
}
