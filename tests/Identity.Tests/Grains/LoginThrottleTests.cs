using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>
/// Login throttling with the default policy: per (account, source) five free failures, then waits
/// of 1 s doubling to 15 minutes, a day's block at 20; 100 failures from sources without a device
/// token block those sources for an hour (doubling to a day), never a client with a device token.
/// </summary>
[TestClass]
public sealed class LoginThrottleTests
{
    private const string Wrong = "not the password";
    private static readonly ClientContext Stranger = new("attacker", "203.0.113.9");
    private static readonly ClientContext Owner = new("owner", "198.51.100.4");
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await TestGrid.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Fifty_parallel_wrong_passwords_from_one_source_check_exactly_the_free_five()
    {
        var (name, user) = await RegisterAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => LoginAsync(name, Wrong, Stranger)));

        var reasons = results.Cast<LoginResult.Rejected>().Select(r => r.Reason).ToList();
        Assert.AreEqual(5, reasons.Count(r => r == LoginRejection.WrongPassword), "exactly the free failures are checked against the hash");
        Assert.AreEqual(45, reasons.Count(r => r == LoginRejection.Throttled), "the rest wait");
        var status = await user.GetLoginThrottleStatusAsync();
        Assert.AreEqual(5, status.SourceFailures["address:203.0.113.9"]);
        Assert.AreEqual(5, status.AccountFailures);
    }

    [TestMethod]
    public async Task A_stranger_failing_from_one_address_cannot_lock_the_owner_out()
    {
        var (name, _) = await RegisterAsync();
        await FailAsync(name, Stranger, 20, passWaits: true);

        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, GridScenario.Password, Stranger), "the stranger's source is blocked, even with the right password");
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await LoginAsync(name, GridScenario.Password, Owner), "the owner, elsewhere, is not");
    }

    [TestMethod]
    public async Task A_slowed_source_waits_the_doubling_delay_and_a_blocked_one_a_day()
    {
        var (name, _) = await RegisterAsync();
        await FailAsync(name, Stranger, 5, passWaits: false);

        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, GridScenario.Password, Stranger));
        s_grid.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.WrongPassword), await LoginAsync(name, Wrong, Stranger), "after 1 s the sixth attempt is checked");
        s_grid.Clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, GridScenario.Password, Stranger), "the next wait is 2 s");
        s_grid.Clock.Advance(TimeSpan.FromSeconds(0.5));

        await FailAsync(name, Stranger, 14, passWaits: true);
        s_grid.Clock.Advance(TimeSpan.FromHours(23));
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, GridScenario.Password, Stranger), "20 failures block the source for a day");
        s_grid.Clock.Advance(TimeSpan.FromHours(1));
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await LoginAsync(name, GridScenario.Password, Stranger));
    }

    [TestMethod]
    public async Task The_account_ceiling_blocks_new_sources_but_never_a_device_that_signed_in_before()
    {
        var (name, user) = await RegisterAsync();
        var device = ((LoginResult.Succeeded)await LoginAsync(name, GridScenario.Password, Owner)).DeviceToken;

        // 100 failures spread over 20 addresses: distributed guessing.
        for (var i = 0; i < 20; i++)
        {
            await FailAsync(name, new ClientContext("botnet", $"192.0.2.{i + 1}"), 5, passWaits: false);
        }

        var status = await user.GetLoginThrottleStatusAsync();
        Assert.AreEqual(1, status.AccountBlocks);
        Assert.AreEqual(s_grid.Clock.GetUtcNow() + TimeSpan.FromHours(1), status.AccountBlockedUntil);
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.LockedOut), await LoginAsync(name, GridScenario.Password, Owner), "a client without a device token waits");
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.LockedOut), await LoginAsync(name, GridScenario.Password, Owner, "igd_forged"), "a made-up device token is no device token");

        var signedIn = await LoginAsync(name, GridScenario.Password, new ClientContext("owner", "192.0.2.1"), device);
        Assert.IsInstanceOfType<LoginResult.Succeeded>(signedIn, "the owner's device signs in, even from an address that failed");
        var after = await user.GetLoginThrottleStatusAsync();
        Assert.AreEqual(0, after.AccountFailures);
        Assert.IsNull(after.AccountBlockedUntil, "a success lifts the account block");
    }

    [TestMethod]
    public async Task A_device_is_throttled_as_its_own_source_and_does_not_count_toward_the_ceiling()
    {
        var (name, user) = await RegisterAsync();
        var device = ((LoginResult.Succeeded)await LoginAsync(name, GridScenario.Password, Owner)).DeviceToken;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => LoginAsync(name, Wrong, Stranger, device)));

        Assert.AreEqual(5, results.Count(r => r == new LoginResult.Rejected(LoginRejection.WrongPassword)));
        Assert.AreEqual(3, results.Count(r => r == new LoginResult.Rejected(LoginRejection.Throttled)));
        var status = await user.GetLoginThrottleStatusAsync();
        Assert.AreEqual(0, status.AccountFailures);
        Assert.AreEqual(5, status.SourceFailures.Single(s => s.Key.StartsWith("device:", StringComparison.Ordinal)).Value);
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await LoginAsync(name, GridScenario.Password, Stranger), "the address the device used is untouched");
    }

    [TestMethod]
    public async Task Device_tokens_of_another_account_or_from_before_a_password_change_are_not_trusted()
    {
        var (name, user) = await RegisterAsync();
        var (otherName, _) = await RegisterAsync();
        var otherDevice = ((LoginResult.Succeeded)await LoginAsync(otherName, GridScenario.Password, Owner)).DeviceToken;
        var login = (LoginResult.Succeeded)await LoginAsync(name, GridScenario.Password, Owner);
        const string NewPassword = "a new passphrase, also long";
        s_grid.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.IsInstanceOfType<PasswordChangeResult.Changed>(await user.ChangePasswordAsync(new(GridScenario.Password), new(NewPassword), login.Tokens.SessionId));

        await FailAsync(name, Owner, 5, passWaits: false);

        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, NewPassword, Owner, otherDevice), "another account's device is only an address");
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, NewPassword, Owner, login.DeviceToken), "a new password ends the trust of older devices");
    }

    [TestMethod]
    public async Task Addresses_in_one_ipv6_64_are_one_source()
    {
        var (name, user) = await RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await LoginAsync(name, Wrong, new ClientContext("v6", $"2001:db8:5:6::{i + 1:x}"));
        }

        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Throttled), await LoginAsync(name, GridScenario.Password, new ClientContext("v6", "2001:db8:5:6:ffff::1")));
        Assert.AreEqual(5, (await user.GetLoginThrottleStatusAsync()).SourceFailures["address:2001:db8:5:6::"]);
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await LoginAsync(name, GridScenario.Password, new ClientContext("v6", "2001:db8:5:7::1")));
    }

    [TestMethod]
    public async Task Enabling_the_account_clears_every_count_and_block()
    {
        var (name, user) = await RegisterAsync();
        await FailAsync(name, Stranger, 5, passWaits: false);
        await user.DisableAsync();
        await user.EnableAsync();

        Assert.AreEqual(0, (await user.GetLoginThrottleStatusAsync()).SourceFailures.Count);
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await LoginAsync(name, GridScenario.Password, Stranger));
    }

    [TestMethod]
    public async Task Each_failure_is_persisted_before_it_is_answered()
    {
        var (name, user) = await RegisterAsync();
        var writes = s_grid.Storage.WritesOf("user");

        await FailAsync(name, Stranger, 3, passWaits: false);

        Assert.AreEqual(writes + 3, s_grid.Storage.WritesOf("user"));
        Assert.AreEqual(3, (await user.GetLoginThrottleStatusAsync()).AccountFailures);
    }

    private static async Task<(string Name, IUserGrain User)> RegisterAsync()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        return (name, s_grid.Grains.GetGrain<IUserGrain>(userId));
    }

    private static Task<LoginResult> LoginAsync(string name, string password, ClientContext client, string? deviceToken = null) =>
        GridScenario.TryLoginAsync(s_grid.Grains, name, password, client, deviceToken);

    /// <summary>Fails <paramref name="times"/> from <paramref name="client"/>, each checked against the hash; with <paramref name="passWaits"/> the clock passes each wait first.</summary>
    private static async Task FailAsync(string name, ClientContext client, int times, bool passWaits)
    {
        for (var i = 0; i < times; i++)
        {
            if (passWaits)
            {
                s_grid.Clock.Advance(TimeSpan.FromMinutes(15));
            }

            Assert.AreEqual(new LoginResult.Rejected(LoginRejection.WrongPassword), await LoginAsync(name, Wrong, client), $"failure {i + 1} from {client.IpAddress}");
        }
    }
}

/// <summary>With limits above the burst, every concurrent failure must be counted: no lost updates.</summary>
[TestClass]
public sealed class ConcurrentFailureCountingTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) =>
        s_grid = await TestGrid.StartAsync(new Dictionary<string, string?>
        {
            ["LoginThrottle:FreeFailuresPerSource"] = "100",
            ["LoginThrottle:SourceBlockAfter"] = "1000",
        });

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Fifty_parallel_wrong_passwords_leave_a_failure_count_of_exactly_fifty()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!")));

        var status = await s_grid.Grains.GetGrain<IUserGrain>(userId).GetLoginThrottleStatusAsync();
        Assert.AreEqual(50, status.AccountFailures);
        Assert.AreEqual(50, status.SourceFailures["address:127.0.0.1"]);
    }
}
