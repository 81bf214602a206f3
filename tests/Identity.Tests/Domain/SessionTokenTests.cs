using Identity.Contracts.Sessions;
using Identity.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Domain;

/// <summary>The token format and its authenticator: only tokens made with a key of the ring are accepted.</summary>
[TestClass]
public sealed class SessionTokenTests
{
    private static readonly string KeyA = Convert.ToBase64String(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray());
    private static readonly string KeyB = Convert.ToBase64String(Enumerable.Range(101, 32).Select(b => (byte)b).ToArray());
    private static readonly TokenAuthenticator Tokens = Authenticator((1, KeyA));

    [TestMethod]
    public void An_issued_token_reads_back_to_its_session_generation_and_digest()
    {
        var sessionId = Guid.NewGuid();

        var (text, digest) = Tokens.Issue(sessionId, TokenKind.Access, generation: 3);

        Assert.IsTrue(Tokens.TryRead(text, TokenKind.Access, out var read));
        Assert.AreEqual(sessionId, read.SessionId);
        Assert.AreEqual(3u, read.Generation);
        Assert.IsTrue(read.Digest.FixedTimeEquals(digest));
        StringAssert.StartsWith(text, "iga_");
    }

    [TestMethod]
    public void Each_token_carries_a_fresh_256_bit_secret_and_a_128_bit_authenticator()
    {
        var sessionId = Guid.NewGuid();
        var digests = Enumerable.Range(0, 100).Select(_ => Tokens.Issue(sessionId, TokenKind.Refresh, 1).Digest).ToList();

        for (var i = 1; i < digests.Count; i++)
        {
            Assert.IsFalse(digests[0].FixedTimeEquals(digests[i]));
        }

        Assert.AreEqual(4 + 94, Tokens.Issue(sessionId, TokenKind.Refresh, 1).Text.Length, "format, key id, session id, generation, 32-byte secret, 16-byte authenticator: 70 bytes, base64url");
    }

    [TestMethod]
    public void A_token_of_the_other_kind_does_not_read()
    {
        var (refresh, _) = Tokens.Issue(Guid.NewGuid(), TokenKind.Refresh, 1);

        Assert.IsFalse(Tokens.TryRead(refresh, TokenKind.Access, out _));
        Assert.IsFalse(Tokens.TryRead("iga_" + refresh[4..], TokenKind.Access, out _), "the kind is covered by the authenticator");
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("iga_")]
    [DataRow("iga_short")]
    [DataRow("Bearer iga_AAAA")]
    [DataRow("iga_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Garbled_and_previous_format_tokens_do_not_read(string text) =>
        Assert.IsFalse(Tokens.TryRead(text, TokenKind.Access, out _));

    [TestMethod]
    public void Changing_any_character_breaks_the_authenticator()
    {
        var (text, _) = Tokens.Issue(Guid.NewGuid(), TokenKind.Access, 1);

        for (var i = 4; i < text.Length; i++)
        {
            var other = text[i] == 'A' ? 'B' : 'A';
            var tampered = string.Concat(text.AsSpan(0, i), other.ToString(), text.AsSpan(i + 1));
            Assert.IsFalse(Tokens.TryRead(tampered, TokenKind.Access, out _), $"position {i}");
        }
    }

    [TestMethod]
    public void A_token_made_with_a_key_outside_the_ring_is_refused()
    {
        var stranger = Authenticator((1, KeyB));
        var (text, _) = stranger.Issue(Guid.NewGuid(), TokenKind.Access, 1);

        Assert.IsTrue(SessionToken.TryParse(text, TokenKind.Access, out _), "well-formed");
        Assert.IsFalse(Tokens.TryRead(text, TokenKind.Access, out _), "but not ours");
    }

    [TestMethod]
    public void After_rotation_tokens_of_the_previous_key_still_verify_and_new_ones_use_the_active_key()
    {
        var (before, _) = Tokens.Issue(Guid.NewGuid(), TokenKind.Refresh, 1);
        var rotated = Authenticator((1, KeyA), (2, KeyB), active: 2);

        var (after, _) = rotated.Issue(Guid.NewGuid(), TokenKind.Refresh, 1);

        Assert.IsTrue(rotated.TryRead(before, TokenKind.Refresh, out var old));
        Assert.AreEqual(1, old.KeyId);
        Assert.IsTrue(rotated.TryRead(after, TokenKind.Refresh, out var fresh));
        Assert.AreEqual(2, fresh.KeyId);
        Assert.IsFalse(Tokens.TryRead(after, TokenKind.Refresh, out _), "a node without the new key refuses its tokens");
    }

    [TestMethod]
    public void The_empty_digest_matches_nothing_not_even_itself()
    {
        TokenDigest empty = default;
        Assert.IsFalse(empty.FixedTimeEquals(default));
    }

    [TestMethod]
    public void A_key_ring_without_keys_or_with_short_keys_is_refused_naming_the_setting()
    {
        var validator = new TokenKeyOptionsValidator();

        Assert.Contains("TokenKeys:Keys", validator.Validate(null, new TokenKeyOptions()).FailureMessage!);
        var shortKey = new TokenKeyOptions { Keys = [new TokenKey { Id = 1, Secret = Convert.ToBase64String(new byte[16]) }] };
        Assert.Contains("TokenKeys:Keys:0:Secret", validator.Validate(null, shortKey).FailureMessage!);
        var twoWithoutActive = new TokenKeyOptions { Keys = [new TokenKey { Id = 1, Secret = KeyA }, new TokenKey { Id = 2, Secret = KeyB }] };
        Assert.Contains("TokenKeys:ActiveKeyId", validator.Validate(null, twoWithoutActive).FailureMessage!);
    }

    private static TokenAuthenticator Authenticator((int Id, string Secret) first, (int Id, string Secret)? second = null, int? active = null)
    {
        var options = new TokenKeyOptions { ActiveKeyId = active, Keys = [new TokenKey { Id = first.Id, Secret = first.Secret }] };
        if (second is { } key)
        {
            options.Keys.Add(new TokenKey { Id = key.Id, Secret = key.Secret });
        }

        return new TokenAuthenticator(Options.Create(options));
    }
}
