using Identity.Contracts.Errors;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>
/// When storage fails, a change is refused with a retryable error and memory is left as it was:
/// nothing is acknowledged that storage does not hold, and validations keep working.
/// </summary>
[TestClass]
public sealed class StorageFailureTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await TestGrid.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestCleanup]
    public void RestoreStorage()
    {
        s_grid.Storage.Unavailable = false;
        s_grid.Storage.Broken = false;
    }

    [TestMethod]
    public async Task A_storage_bug_surfaces_as_itself_not_as_a_retryable_outage_and_memory_is_restored()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);

        s_grid.Storage.Broken = true;
        var failure = await Assert.ThrowsAsync<Exception>(() => user.RevokeSessionAsync(tokens.SessionId));
        s_grid.Storage.Broken = false;

        Assert.IsNotInstanceOfType<IdentityUnavailableException>(failure, "a bug must not be retried as if the store were down");
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken), "the refused revocation left the session as it was");
        Assert.HasCount(1, await user.ListSessionsAsync());
    }

    [TestMethod]
    public async Task Active_sessions_validate_while_storage_is_down()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));

        s_grid.Storage.Unavailable = true;

        for (var i = 0; i < 100; i++)
        {
            Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        }
    }

    [TestMethod]
    public async Task Logout_that_cannot_be_saved_is_refused_and_the_session_stays_whole()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var access = GridScenario.Parse(tokens.AccessToken, TokenKind.Access);
        s_grid.Storage.Unavailable = true;

        var error = await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(
            () => s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).LogoutAsync(access.Digest));

        Assert.AreEqual(UnavailableReason.StorageUnavailable, error.Reason);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        s_grid.Storage.Unavailable = false;
        Assert.IsTrue(await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).LogoutAsync(access.Digest));
    }

    [TestMethod]
    public async Task Refresh_that_cannot_be_saved_leaves_the_old_pair_working()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        s_grid.Storage.Unavailable = true;

        await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(() => GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken));

        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        s_grid.Storage.Unavailable = false;
        Assert.IsInstanceOfType<RefreshResult.Rotated>(await GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken));
    }

    [TestMethod]
    public async Task Login_that_cannot_be_saved_starts_no_session_and_counts_nothing()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);
        await GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!");
        s_grid.Storage.Unavailable = true;

        await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(() => GridScenario.TryLoginAsync(s_grid.Grains, name));
        await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(() => GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!"));

        Assert.AreEqual(1, (await user.GetLoginThrottleStatusAsync()).AccountFailures, "neither attempt changed memory");
        s_grid.Storage.Unavailable = false;
        Assert.IsEmpty(await user.ListSessionsAsync());
    }

    [TestMethod]
    public async Task Registration_that_cannot_be_saved_is_refused_and_the_name_stays_free()
    {
        var name = GridScenario.UniqueName();
        s_grid.Storage.Unavailable = true;

        // A grain that cannot even load its state fails activation; the edge maps that to 503 as well.
        await Assert.ThrowsAsync<Exception>(() => GridScenario.RegisterAsync(s_grid.Grains, name));

        s_grid.Storage.Unavailable = false;
        Assert.AreNotEqual(Guid.Empty, await GridScenario.RegisterAsync(s_grid.Grains, name));
    }
}
