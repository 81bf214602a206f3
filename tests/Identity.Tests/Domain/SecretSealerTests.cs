using Identity.Grains.Sessions;
using Identity.Grains.Users;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Domain;

/// <summary>Authenticator secrets at rest: encrypted, bound to their account, and readable across a token-key rotation.</summary>
[TestClass]
public sealed class SecretSealerTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, 20).Select(i => (byte)i)];
    private static readonly Guid Owner = Guid.NewGuid();

    [TestMethod]
    public void A_sealed_secret_opens_for_its_account_only_and_shows_nothing_of_the_secret()
    {
        var sealer = Sealer((1, Key(1)));

        var sealedText = sealer.Seal(Secret, Owner);

        StringAssert.StartsWith(sealedText, "1.");
        Assert.DoesNotContain(OtpNet.Base32Encoding.ToString(Secret), sealedText);
        Assert.DoesNotContain(Convert.ToBase64String(Secret), sealedText);
        CollectionAssert.AreEqual(Secret, sealer.Open(sealedText, Owner));
        Assert.IsNull(sealer.Open(sealedText, Guid.NewGuid()), "copied to another account's row, it does not open");
        Assert.AreNotEqual(sealedText, sealer.Seal(Secret, Owner), "a fresh nonce each time");
    }

    [TestMethod]
    public void An_altered_or_unknown_key_value_does_not_open()
    {
        var sealer = Sealer((1, Key(1)));
        var sealedText = sealer.Seal(Secret, Owner);
        var altered = sealedText[..^2] + (sealedText[^2..] == "AA" ? "BB" : "AA");

        Assert.IsNull(sealer.Open(altered, Owner));
        Assert.IsNull(sealer.Open("7." + sealedText[2..], Owner), "no key 7 in the ring");
        Assert.IsNull(sealer.Open("not sealed", Owner));
    }

    [TestMethod]
    public void After_a_rotation_the_old_key_still_opens_and_the_value_is_marked_for_sealing_again()
    {
        var before = Sealer((1, Key(1)));
        var sealedText = before.Seal(Secret, Owner);
        var after = Sealer((1, Key(1)), (2, Key(2)), active: 2);

        Assert.IsFalse(after.IsCurrent(sealedText));
        CollectionAssert.AreEqual(Secret, after.Open(sealedText, Owner));
        var resealed = after.Seal(after.Open(sealedText, Owner)!, Owner);
        Assert.IsTrue(after.IsCurrent(resealed));
        Assert.IsNull(Sealer((2, Key(2))).Open(sealedText, Owner), "once key 1 leaves the ring, what only it sealed is lost: README says to keep it");
    }

    private static string Key(int seed) => Convert.ToBase64String([.. Enumerable.Repeat((byte)seed, 32)]);

    private static SecretSealer Sealer((int Id, string Secret) first, (int Id, string Secret)? second = null, int? active = null)
    {
        var options = new TokenKeyOptions { ActiveKeyId = active, Keys = [new TokenKey { Id = first.Id, Secret = first.Secret }] };
        if (second is { } more)
        {
            options.Keys.Add(new TokenKey { Id = more.Id, Secret = more.Secret });
        }

        return new SecretSealer(Options.Create(options));
    }
}
