using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Sessions;
using Identity.Testing;

namespace Identity.Tests.Grains;

[TestClass]
public sealed class SessionLifecycleTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) =>
        s_grid = await TestGrid.StartAsync(new Dictionary<string, string?> { ["Sessions:MaxSessionsPerUser"] = "3" });

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task A_fresh_access_token_validates_and_describes_its_session()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        var view = await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken);

        Assert.IsNotNull(view);
        Assert.AreEqual(tokens.SessionId, view.SessionId);
        Assert.AreEqual(userId, view.UserId);
        Assert.AreEqual(name, view.Username);
        Assert.AreEqual(s_grid.Clock.GetUtcNow(), view.CreatedAt);
        Assert.AreEqual(s_grid.Clock.GetUtcNow() + TimeSpan.FromHours(1), view.AccessTokenExpiresAt);
    }

    [TestMethod]
    public async Task A_thousand_validations_write_nothing()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var session = s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).GetGrainId();
        var sessionWrites = s_grid.Storage.WritesOf("session", session);
        var reads = s_grid.Storage.Reads;

        for (var i = 0; i < 1000; i++)
        {
            Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        }

        Assert.AreEqual(sessionWrites, s_grid.Storage.WritesOf("session", session), "no write on the validation path");
        Assert.AreEqual(reads, s_grid.Storage.Reads, "no read on the validation path");
    }

    [TestMethod]
    public async Task Made_up_session_ids_leave_no_activation_behind()
    {
        var session = s_grid.Grains.GetGrain<ISessionGrain>(Guid.NewGuid());
        var reads = s_grid.Storage.Reads;
        Assert.IsNull(await session.ValidateAccessTokenAsync(TokenDigest.Of([1, 2, 3])));
        Assert.AreEqual(reads + 1, s_grid.Storage.Reads, "the first check activates the grain: one read");

        // The activation lingers briefly (Orleans' own timer, real time) for calls arriving together,
        // then goes: a later check activates afresh. Kept in memory, it would answer without a read.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (s_grid.Storage.Reads == reads + 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            Assert.IsNull(await session.ValidateAccessTokenAsync(TokenDigest.Of([1, 2, 3])));
        }

        Assert.AreEqual(reads + 2, s_grid.Storage.Reads, "the made-up session's activation went away");
    }

    [TestMethod]
    public async Task A_wrong_secret_does_not_evict_a_live_session()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var session = s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        var reads = s_grid.Storage.Reads;

        Assert.IsNull(await session.ValidateAccessTokenAsync(TokenDigest.Of([1, 2, 3])));
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));

        Assert.AreEqual(reads, s_grid.Storage.Reads, "the session stayed in memory");
    }

    [TestMethod]
    public async Task Refresh_token_is_not_an_access_token_and_a_wrong_secret_fails()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var refresh = GridScenario.Parse(tokens.RefreshToken, TokenKind.Refresh);

        var asAccess = await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).ValidateAccessTokenAsync(refresh.Digest);
        var forged = await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).ValidateAccessTokenAsync(TokenDigest.Of([1, 2, 3]));
        var empty = await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).ValidateAccessTokenAsync(default);

        Assert.IsNull(asAccess);
        Assert.IsNull(forged);
        Assert.IsNull(empty);
    }

    [TestMethod]
    public async Task Access_token_expires_after_its_lifetime_and_refresh_issues_a_working_pair()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        s_grid.Clock.Advance(TimeSpan.FromHours(1));
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));

        var refreshed = (RefreshResult.Rotated)await GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, refreshed.Tokens.AccessToken));
        Assert.AreEqual(tokens.SessionId, refreshed.Tokens.SessionId);
    }

    [TestMethod]
    public async Task Session_ends_after_the_idle_timeout_without_activity()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        s_grid.Clock.Advance(TimeSpan.FromDays(14) - TimeSpan.FromSeconds(1));
        Assert.IsInstanceOfType<RefreshResult.Rotated>(await GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken), "one second before the idle timeout");

        var again = await GridScenario.LoginAsync(s_grid.Grains, name);
        s_grid.Clock.Advance(TimeSpan.FromDays(14));
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, again.RefreshToken));
    }

    [TestMethod]
    public async Task Session_ends_at_the_absolute_lifetime_however_active()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var refreshToken = tokens.RefreshToken;

        for (var day = 0; day < 29; day++)
        {
            s_grid.Clock.Advance(TimeSpan.FromDays(1));
            refreshToken = ((RefreshResult.Rotated)await GridScenario.RefreshAsync(s_grid.Grains, refreshToken)).Tokens.RefreshToken;
        }

        s_grid.Clock.Advance(TimeSpan.FromDays(1));
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, refreshToken));
    }

    [TestMethod]
    public async Task Parallel_refreshes_with_one_token_have_exactly_one_winner_and_reuse_ends_the_session()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken)));

        Assert.AreEqual(1, results.Count(r => r is RefreshResult.Rotated));
        Assert.AreEqual(1, results.Count(r => r is RefreshResult.ReuseDetected), "the first late presenter trips reuse detection");
        var winner = results.OfType<RefreshResult.Rotated>().Single().Tokens;
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, winner.AccessToken), "reuse ended the whole session");
    }

    [TestMethod]
    public async Task Presenting_a_rotated_refresh_token_ends_the_session_and_its_newer_tokens()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var first = await GridScenario.LoginAsync(s_grid.Grains, name);
        var second = ((RefreshResult.Rotated)await GridScenario.RefreshAsync(s_grid.Grains, first.RefreshToken)).Tokens;

        Assert.IsInstanceOfType<RefreshResult.ReuseDetected>(await GridScenario.RefreshAsync(s_grid.Grains, first.RefreshToken));

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, second.AccessToken));
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, second.RefreshToken));
        Assert.IsEmpty(await s_grid.Grains.GetGrain<IUserGrain>(userId).ListSessionsAsync());
    }

    [TestMethod]
    public async Task A_session_its_user_does_not_list_never_starts()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var stray = s_grid.Grains.GetGrain<ISessionLifecycleGrain>(Guid.NewGuid());

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => stray.StartAsync(new SessionStart(userId, name, ClientContext.Unknown)));

        Assert.IsNull(s_grid.Storage.PayloadOf("session", stray.GetGrainId()), "nothing was stored for it");
    }

    [TestMethod]
    public async Task Every_session_started_by_login_or_rotated_is_listed_and_disable_ends_every_one()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name, email: $"{name}@example.com");
        var byName = await GridScenario.LoginAsync(s_grid.Grains, name);
        var byEmail = await GridScenario.LoginAsync(s_grid.Grains, $"{name}@example.com");
        var rotated = ((RefreshResult.Rotated)await GridScenario.RefreshAsync(s_grid.Grains, byEmail.RefreshToken)).Tokens;
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);
        CollectionAssert.AreEquivalent(new[] { byName.SessionId, byEmail.SessionId }, (await user.ListSessionsAsync()).Select(s => s.SessionId).ToList());

        await user.DisableAsync();

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, byName.AccessToken));
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, rotated.AccessToken));
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, rotated.RefreshToken));
    }

    [TestMethod]
    public async Task Replaying_any_refresh_token_ever_issued_for_the_session_ends_it_however_old()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var issued = new List<IssuedTokens> { await GridScenario.LoginAsync(s_grid.Grains, name) };
        for (var i = 0; i < 12; i++)
        {
            issued.Add(((RefreshResult.Rotated)await GridScenario.RefreshAsync(s_grid.Grains, issued[^1].RefreshToken)).Tokens);
        }

        // The login's refresh token, twelve rotations ago (only the last five were recognised before).
        Assert.IsInstanceOfType<RefreshResult.ReuseDetected>(await GridScenario.RefreshAsync(s_grid.Grains, issued[0].RefreshToken));

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, issued[^1].AccessToken), "the thief's replay ended the owner's current tokens too");
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, issued[^1].RefreshToken));
    }

    [TestMethod]
    public async Task Logout_ends_access_and_refresh_token_and_deletes_the_stored_session()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var access = GridScenario.Parse(tokens.AccessToken, TokenKind.Access);
        var session = s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId);

        Assert.IsTrue(await session.LogoutAsync(access.Digest));

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        Assert.IsInstanceOfType<RefreshResult.Rejected>(await GridScenario.RefreshAsync(s_grid.Grains, tokens.RefreshToken));
        Assert.IsNull(s_grid.Storage.PayloadOf("session", session.GetGrainId()));
        Assert.IsFalse(await session.LogoutAsync(access.Digest), "a second logout finds nothing to end");
    }

    [TestMethod]
    public async Task A_login_beyond_the_session_limit_ends_the_oldest_session()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var sessions = new List<IssuedTokens>();
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(await GridScenario.LoginAsync(s_grid.Grains, name));
            s_grid.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, sessions[0].AccessToken), "the oldest was ended");
        foreach (var live in sessions.Skip(1))
        {
            Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, live.AccessToken));
        }

        var listed = await s_grid.Grains.GetGrain<IUserGrain>(userId).ListSessionsAsync();
        CollectionAssert.AreEqual(sessions.Skip(1).Select(s => s.SessionId).ToList(), listed.Select(s => s.SessionId).ToList());
    }

    [TestMethod]
    public async Task Owner_can_end_one_session_or_all_others_but_not_someone_elses()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var other = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, other);
        var a = await GridScenario.LoginAsync(s_grid.Grains, name);
        var b = await GridScenario.LoginAsync(s_grid.Grains, name);
        var c = await GridScenario.LoginAsync(s_grid.Grains, name);
        var stranger = await GridScenario.LoginAsync(s_grid.Grains, other);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);

        Assert.IsFalse(await user.RevokeSessionAsync(stranger.SessionId));
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, stranger.AccessToken));

        Assert.IsTrue(await user.RevokeSessionAsync(b.SessionId));
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, b.AccessToken));

        Assert.AreEqual(1, await user.RevokeOtherSessionsAsync(c.SessionId));
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, a.AccessToken));
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, c.AccessToken));
    }

    [TestMethod]
    public async Task Password_change_keeps_the_current_session_ends_the_others_and_swaps_the_password()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var current = await GridScenario.LoginAsync(s_grid.Grains, name);
        var other = await GridScenario.LoginAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);
        const string NewPassword = "a brand new passphrase";

        var result = await user.ChangePasswordAsync(new(GridScenario.Password), new(NewPassword), current.SessionId);

        Assert.AreEqual(new PasswordChangeResult.Changed(1), result);
        Assert.IsNotNull(await GridScenario.ValidateAsync(s_grid.Grains, current.AccessToken));
        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, other.AccessToken));
        Assert.IsInstanceOfType<LoginResult.Rejected>(await GridScenario.TryLoginAsync(s_grid.Grains, name, GridScenario.Password));
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, name, NewPassword));
    }

    [TestMethod]
    public async Task Password_change_refuses_a_wrong_current_password_and_a_short_new_one()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var current = await GridScenario.LoginAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);

        Assert.IsInstanceOfType<PasswordChangeResult.CurrentPasswordRejected>(await user.ChangePasswordAsync(new("wrong one!"), new("long enough new"), current.SessionId));
        Assert.IsInstanceOfType<PasswordChangeResult.InvalidNewPassword>(await user.ChangePasswordAsync(new(GridScenario.Password), new("short"), current.SessionId));
        var status = await user.GetLoginThrottleStatusAsync();
        Assert.AreEqual(1, status.SourceFailures[$"session:{current.SessionId:N}"], "a wrong current password counts against the session that tried it");
        Assert.AreEqual(0, status.AccountFailures, "and not against the account: a session holder is not a stranger");
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, name));
    }

    [TestMethod]
    public async Task Disabling_an_account_ends_its_sessions_and_refuses_logins_until_enabled()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);
        var user = s_grid.Grains.GetGrain<IUserGrain>(userId);

        await user.DisableAsync();

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        Assert.AreEqual(new LoginResult.Rejected(LoginRejection.Disabled), await GridScenario.TryLoginAsync(s_grid.Grains, name));
        await user.EnableAsync();
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, name));
    }

    [TestMethod]
    public async Task A_service_can_revoke_any_session()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);
        var tokens = await GridScenario.LoginAsync(s_grid.Grains, name);

        Assert.IsTrue(await s_grid.Grains.GetGrain<ISessionGrain>(tokens.SessionId).RevokeAsync(SessionEndReason.RevokedByService));

        Assert.IsNull(await GridScenario.ValidateAsync(s_grid.Grains, tokens.AccessToken));
        Assert.IsEmpty(await s_grid.Grains.GetGrain<IUserGrain>(userId).ListSessionsAsync());
    }
}
