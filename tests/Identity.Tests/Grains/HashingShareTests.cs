using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>
/// One account can never hold more than one hashing thread: its grain checks one password at a
/// time, and so does the login name of an account that does not exist.
/// </summary>
[TestClass]
public sealed class HashingShareTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await TestGrid.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Twenty_parallel_logins_to_one_account_hash_one_at_a_time()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        s_grid.Hashing.ResetConcurrency();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GridScenario.TryLoginAsync(s_grid.Grains, name, "wrong password!")));

        Assert.AreEqual(1, s_grid.Hashing.MaxInFlight);
    }

    [TestMethod]
    public async Task Twenty_parallel_logins_to_a_name_nobody_has_hash_one_at_a_time()
    {
        var name = GridScenario.UniqueName("nobody");
        s_grid.Hashing.ResetConcurrency();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GridScenario.TryLoginAsync(s_grid.Grains, name, "some password")));

        Assert.AreEqual(1, s_grid.Hashing.MaxInFlight, "unknown names cost the same decoy hash, but never more than one at a time");
    }
}
