using Identity.Client;
using Identity.Client.Checks;
using Identity.Contracts.Sessions;
using Identity.Testing;

namespace Identity.Tests.Client;

/// <summary>Remote mode's cache of active answers: deadlines, bounds, and no late answer undoing a revocation.</summary>
[TestClass]
public sealed class CheckCacheTests
{
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(10);

    [TestMethod]
    public void An_answer_is_reused_for_the_same_token_until_its_deadline_only()
    {
        var clock = TestClock.Create();
        var cache = new CheckCache(10, InFlight, clock);
        var (token, session) = Token();
        var (otherTokenOfTheSession, _) = Token(token.SessionId);

        cache.TryAdd(token, session, clock.GetUtcNow().AddSeconds(30), cache.Mark());

        Assert.AreSame(session, cache.TryGet(token));
        Assert.IsNull(cache.TryGet(otherTokenOfTheSession), "another secret of the same session is not this answer");
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsNull(cache.TryGet(token));
    }

    [TestMethod]
    public void A_drop_or_a_clear_forgets_the_answers()
    {
        var clock = TestClock.Create();
        var cache = new CheckCache(10, InFlight, clock);
        var (first, firstSession) = Token();
        var (second, secondSession) = Token();
        cache.TryAdd(first, firstSession, clock.GetUtcNow().AddMinutes(1), cache.Mark());
        cache.TryAdd(second, secondSession, clock.GetUtcNow().AddMinutes(1), cache.Mark());

        cache.Drop(first.SessionId);
        Assert.IsNull(cache.TryGet(first));
        Assert.IsNotNull(cache.TryGet(second));

        cache.Clear();
        Assert.IsNull(cache.TryGet(second));
    }

    [TestMethod]
    public void An_answer_that_was_in_flight_when_its_session_ended_is_not_kept()
    {
        var clock = TestClock.Create();
        var cache = new CheckCache(10, InFlight, clock);
        var (token, session) = Token();
        var (bystander, bystanderSession) = Token();

        var mark = cache.Mark();          // the check starts
        cache.Drop(token.SessionId);      // the session ends while the grid answers
        cache.TryAdd(token, session, clock.GetUtcNow().AddMinutes(1), mark);
        cache.TryAdd(bystander, bystanderSession, clock.GetUtcNow().AddMinutes(1), mark);

        Assert.IsNull(cache.TryGet(token), "the late 'active' must not undo the revocation");
        Assert.IsNotNull(cache.TryGet(bystander), "other sessions are unaffected by a drop");

        var beforeClear = cache.Mark();
        cache.Clear();
        cache.TryAdd(bystander, bystanderSession, clock.GetUtcNow().AddMinutes(1), beforeClear);
        Assert.IsNull(cache.TryGet(bystander), "nor a late answer a clear");
    }

    [TestMethod]
    public void The_cache_holds_at_most_its_limit_and_makes_room_from_expired_answers()
    {
        var clock = TestClock.Create();
        var cache = new CheckCache(2, InFlight, clock);
        var tokens = Enumerable.Range(0, 3).Select(_ => Token()).ToArray();

        cache.TryAdd(tokens[0].Token, tokens[0].Session, clock.GetUtcNow().AddSeconds(5), cache.Mark());
        cache.TryAdd(tokens[1].Token, tokens[1].Session, clock.GetUtcNow().AddMinutes(5), cache.Mark());
        cache.TryAdd(tokens[2].Token, tokens[2].Session, clock.GetUtcNow().AddMinutes(5), cache.Mark());
        Assert.AreEqual(2, cache.Count);
        Assert.IsNull(cache.TryGet(tokens[2].Token), "full: not cached (it is simply asked again)");

        clock.Advance(TimeSpan.FromSeconds(5));
        cache.TryAdd(tokens[2].Token, tokens[2].Session, clock.GetUtcNow().AddMinutes(5), cache.Mark());
        Assert.IsNotNull(cache.TryGet(tokens[2].Token), "an expired answer made room");
    }

    private static (SessionToken Token, GridSession Session) Token(Guid? sessionId = null)
    {
        var id = sessionId ?? Guid.NewGuid();
        var text = SessionToken.Write(TokenKind.Access, 1, id, 1, System.Security.Cryptography.RandomNumberGenerator.GetBytes(SessionToken.SecretBytes), new byte[SessionToken.MacBytes]);
        Assert.IsTrue(SessionToken.TryParse(text, TokenKind.Access, out var token));
        return (token, new GridSession(id, Guid.NewGuid().ToString(), "someone", DateTimeOffset.MaxValue, null, null));
    }
}
