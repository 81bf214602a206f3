using Identity.Contracts.Sessions;

namespace Identity.Tests.Domain;

[TestClass]
public sealed class SessionTokenTests
{
    [TestMethod]
    public void An_issued_token_parses_back_to_its_session_and_digest()
    {
        var sessionId = Guid.NewGuid();

        var (text, digest) = SessionToken.Issue(sessionId, TokenKind.Access);

        Assert.IsTrue(SessionToken.TryParse(text, TokenKind.Access, out var parsed));
        Assert.AreEqual(sessionId, parsed.SessionId);
        Assert.IsTrue(parsed.Digest.FixedTimeEquals(digest));
        StringAssert.StartsWith(text, "iga_");
    }

    [TestMethod]
    public void Each_token_carries_a_fresh_256_bit_secret()
    {
        var sessionId = Guid.NewGuid();
        var digests = Enumerable.Range(0, 100).Select(_ => SessionToken.Issue(sessionId, TokenKind.Refresh).Digest).ToList();

        for (var i = 1; i < digests.Count; i++)
        {
            Assert.IsFalse(digests[0].FixedTimeEquals(digests[i]));
        }

        Assert.AreEqual(4 + 64, SessionToken.Issue(sessionId, TokenKind.Refresh).Text.Length, "16-byte id + 32-byte secret, base64url");
    }

    [TestMethod]
    public void A_token_of_the_other_kind_does_not_parse()
    {
        var (refresh, _) = SessionToken.Issue(Guid.NewGuid(), TokenKind.Refresh);

        Assert.IsFalse(SessionToken.TryParse(refresh, TokenKind.Access, out _));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("iga_")]
    [DataRow("iga_short")]
    [DataRow("Bearer iga_AAAA")]
    [DataRow("iga_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [DataRow("iga_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Garbled_tokens_do_not_parse(string text) =>
        Assert.IsFalse(SessionToken.TryParse(text, TokenKind.Access, out _));

    [TestMethod]
    public void Changing_one_character_of_the_secret_changes_the_digest()
    {
        var (text, digest) = SessionToken.Issue(Guid.NewGuid(), TokenKind.Access);
        var last = text[^1] == 'A' ? 'B' : 'A';

        Assert.IsTrue(SessionToken.TryParse(text[..^1] + last, TokenKind.Access, out var tampered));
        Assert.IsFalse(tampered.Digest.FixedTimeEquals(digest));
    }

    [TestMethod]
    public void The_empty_digest_matches_nothing_not_even_itself()
    {
        TokenDigest empty = default;
        Assert.IsFalse(empty.FixedTimeEquals(default));
    }
}
