using System.Text.Json;
using Identity.Contracts.Users;
using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>A new grid over the storage an earlier grid wrote: what was acknowledged is there.</summary>
[TestClass]
public sealed class RestartTests
{
    [TestMethod]
    public async Task Sessions_survive_a_restart_and_raised_hash_costs_rehash_at_the_next_login()
    {
        var name = GridScenario.UniqueName();
        TestGrainStorage storage;
        Guid userId;
        string accessToken;
        await using (var before = await TestGrid.StartAsync())
        {
            storage = before.Storage;
            userId = await GridScenario.RegisterAsync(before.Grains, name);
            accessToken = (await GridScenario.LoginAsync(before.Grains, name)).AccessToken;
        }

        await using var after = await TestGrid.StartAsync(new Dictionary<string, string?> { ["Passwords:Iterations"] = "3" }, storage);

        Assert.IsNotNull(await GridScenario.ValidateAsync(after.Grains, accessToken), "the session came back from storage");
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(after.Grains, name));
        var stored = storage.PayloadOf("user", after.Grains.GetGrain<IUserGrain>(userId).GetGrainId());
        StringAssert.StartsWith(JsonDocument.Parse(stored!).RootElement.GetProperty("passwordHash").GetString(), "$argon2id$v=19$m=19456,t=3,p=1$");
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(after.Grains, name), "the rehashed password still works");
    }
}
