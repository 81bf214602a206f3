using Identity.Contracts.Users;
using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>Per-user lockout with the default policy: 10 failures, 1 minute doubling to 15.</summary>
[TestClass]
public sealed class LockoutTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await TestGrid.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Fifty_parallel_wrong_passwords_lock_the_account_after_exactly_ten()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!")));

        var reasons = results.Cast<LoginResult.Rejected>().Select(r => r.Reason).ToList();
        Assert.AreEqual(10, reasons.Count(r => r == LoginRejection.WrongPassword), "exactly the limit is checked against the hash");
        Assert.AreEqual(40, reasons.Count(r => r == LoginRejection.LockedOut), "the rest meet the lockout");
        var status = await s_grid.Grains.GetGrain<IUserGrain>(userId).GetLockoutStatusAsync();
        Assert.AreEqual(1, status.LockoutsSinceLastSuccess);
        Assert.AreEqual(s_grid.Clock.GetUtcNow() + TimeSpan.FromMinutes(1), status.LockedUntil);
    }

    [TestMethod]
    public async Task Right_password_is_refused_during_lockout_and_accepted_after_it()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        await FailAsync(name, 10);

        var during = await GridScenario.TryLoginAsync(s_grid.Grains, name);
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.LockedOut), during);

        s_grid.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, name));
    }

    [TestMethod]
    public async Task Lockouts_double_up_to_the_cap_and_a_success_resets_them()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);
        TimeSpan[] expected = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15)];

        foreach (var duration in expected)
        {
            await FailAsync(name, 10);
            var status = await user.GetLockoutStatusAsync();
            Assert.AreEqual(s_grid.Clock.GetUtcNow() + duration, status.LockedUntil);
            s_grid.Clock.Advance(duration);
        }

        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, name));
        Assert.AreEqual(new LockoutStatus(0, 0, null), await user.GetLockoutStatusAsync());
    }

    [TestMethod]
    public async Task Failure_count_is_persisted_with_each_failure()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var writes = s_grid.Storage.WritesOf("user");

        await FailAsync(name, 3);

        Assert.AreEqual(writes + 3, s_grid.Storage.WritesOf("user"));
        Assert.AreEqual(3, (await s_grid.Grains.GetGrain<IUserGrain>(userId).GetLockoutStatusAsync()).ConsecutiveFailures);
    }

    private static async Task FailAsync(string name, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.IsInstanceOfType<LoginResult.Rejected>(await GridScenario.TryLoginAsync(s_grid.Grains, name, "not the password"));
        }
    }
}

/// <summary>With a limit above the burst, every concurrent failure must be counted: no lost updates.</summary>
[TestClass]
public sealed class ConcurrentFailureCountingTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) =>
        s_grid = await TestGrid.StartAsync(new Dictionary<string, string?> { ["Lockout:MaxFailedAttempts"] = "1000" });

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Fifty_parallel_wrong_passwords_leave_a_failure_count_of_exactly_fifty()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!")));

        var status = await s_grid.Grains.GetGrain<IUserGrain>(userId).GetLockoutStatusAsync();
        Assert.AreEqual(new LockoutStatus(50, 0, null), status);
    }
}
