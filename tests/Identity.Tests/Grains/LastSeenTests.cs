using System.Text.Json;
using Identity.Contracts.Sessions;
using Identity.Testing;

namespace Identity.Tests.Grains;

/// <summary>"Last seen" lives in memory; validations never write, the change is written lazily.</summary>
[TestClass]
public sealed class LastSeenTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) =>
        s_grid = await TestGrid.StartAsync(new Dictionary<string, string?> { ["Sessions:LastSeenWriteInterval"] = "01:00:00" });

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Last_seen_is_written_once_after_the_interval_not_per_validation()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var session = s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).GetGrainId();
        s_grid.Clock.Advance(TimeSpan.FromMinutes(7));
        var writes = s_grid.Storage.WritesOf("session", session);

        for (var i = 0; i < 50; i++)
        {
            await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken);
        }

        // The silos' flushers write on their own timers; the test asks them now instead of waiting.
        await s_grid.FlushLastSeenAsync();

        Assert.AreEqual(s_grid.Clock.GetUtcNow(), StoredLastSeen(session));
        Assert.AreEqual(writes + 1, s_grid.Storage.WritesOf("session", session), "fifty validations, one write");
    }

    private static DateTimeOffset? StoredLastSeen(GrainId session)
    {
        var payload = s_grid.Storage.PayloadOf("session", session);
        return payload is null ? null : JsonDocument.Parse(payload).RootElement.GetProperty("lastSeenAt").GetDateTimeOffset();
    }
}
