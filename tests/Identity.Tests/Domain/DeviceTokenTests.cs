using Identity.Grains.Sessions;
using Identity.Grains.Users;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Domain;

/// <summary>Device tokens: signed by the token key ring, unforgeable, and never mistaken for another value.</summary>
[TestClass]
public sealed class DeviceTokenTests
{
    private static readonly DeviceToken Device = new(Guid.NewGuid(), Guid.NewGuid(), new DateTimeOffset(2026, 11, 26, 12, 0, 0, 123, TimeSpan.Zero));

    [TestMethod]
    public void A_device_token_reads_back_with_every_value_under_any_key_of_the_ring()
    {
        var rotated = Ring(active: 2);
        var text = Device.Write(Ring(active: 1));

        StringAssert.StartsWith(text, DeviceToken.Prefix);
        Assert.IsTrue(DeviceToken.TryRead(text, rotated, out var read), "a token of the previous key still verifies after rotation");
        Assert.AreEqual(Device, read);
    }

    [TestMethod]
    public void A_changed_character_another_ring_or_another_format_is_refused()
    {
        var keys = Ring(active: 1);
        var text = Device.Write(keys);
        var stranger = new TokenAuthenticator(Options.Create(new TokenKeyOptions
        {
            Keys = [new TokenKey { Id = 1, Secret = Convert.ToBase64String(Enumerable.Repeat((byte)9, 32).ToArray()) }],
        }));

        for (var i = DeviceToken.Prefix.Length; i < text.Length; i++)
        {
            var tampered = text[..i] + (text[i] == 'A' ? 'B' : 'A') + text[(i + 1)..];
            Assert.IsFalse(DeviceToken.TryRead(tampered, keys, out _), $"character {i} changed");
        }

        Assert.IsFalse(DeviceToken.TryRead(text, stranger, out _), "signed by another ring");
        Assert.IsFalse(DeviceToken.TryRead(null, keys, out _));
        Assert.IsFalse(DeviceToken.TryRead(text + "A", keys, out _));
        Assert.IsFalse(DeviceToken.TryRead("igd_", keys, out _));
        Assert.IsFalse(DeviceToken.TryRead(keys.Issue(Guid.NewGuid(), Identity.Contracts.Sessions.TokenKind.Access, 1).Text, keys, out _), "a session token is not a device token");
    }

    [TestMethod]
    public void Its_text_shows_no_secret_and_its_source_is_the_device()
    {
        Assert.AreEqual($"device:{Device.DeviceId:N}", Device.Source);
        Assert.DoesNotContain(DeviceToken.Prefix, Device.ToString());
    }

    private static TokenAuthenticator Ring(int active) => new(Options.Create(new TokenKeyOptions
    {
        ActiveKeyId = active,
        Keys =
        [
            new TokenKey { Id = 1, Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(b => (byte)b).ToArray()) },
            new TokenKey { Id = 2, Secret = Convert.ToBase64String(Enumerable.Range(100, 32).Select(b => (byte)b).ToArray()) },
        ],
    }));
}
