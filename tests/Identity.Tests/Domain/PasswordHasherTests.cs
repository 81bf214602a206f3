using Identity.Contracts.Errors;
using Identity.Contracts.Passwords;
using Identity.Grains.Passwords;
using Identity.Testing;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Domain;

[TestClass]
public sealed class PasswordHasherTests
{
    private static Argon2idPasswordHasher s_hasher = null!;

    [ClassInitialize]
    public static void Create(TestContext _) => s_hasher = new Argon2idPasswordHasher(Options.Create(new PasswordOptions()), TestMetrics.Create());

    [ClassCleanup]
    public static void Dispose() => s_hasher.Dispose();

    [TestMethod]
    public async Task Hash_is_a_self_describing_argon2id_string_at_owasp_parameters()
    {
        var hash = await s_hasher.HashAsync(new Password("correct horse battery"));

        StringAssert.StartsWith(hash, "$argon2id$v=19$m=19456,t=2,p=1$");
        Assert.AreEqual(5, hash.Split('$').Length - 1, "five separators: algorithm, version, parameters, salt, hash");
    }

    [TestMethod]
    public async Task Same_password_gets_a_different_salt_each_time()
    {
        var first = await s_hasher.HashAsync(new Password("correct horse battery"));
        var second = await s_hasher.HashAsync(new Password("correct horse battery"));

        Assert.AreNotEqual(first, second);
    }

    [TestMethod]
    public async Task Verification_accepts_the_password_and_refuses_others()
    {
        var hash = await s_hasher.HashAsync(new Password("correct horse battery"));

        Assert.IsTrue((await s_hasher.VerifyAsync(new Password("correct horse battery"), hash)).Succeeded);
        Assert.IsFalse((await s_hasher.VerifyAsync(new Password("correct horse batterY"), hash)).Succeeded);
        Assert.IsFalse((await s_hasher.VerifyAsync(new Password("correct horse battery"), "$argon2id$garbage")).Succeeded);
    }

    [TestMethod]
    public async Task The_whole_password_counts_even_at_1024_characters()
    {
        var password = new string('x', 1023) + "a";
        var hash = await s_hasher.HashAsync(new Password(password));

        Assert.IsTrue((await s_hasher.VerifyAsync(new Password(password), hash)).Succeeded);
        Assert.IsFalse((await s_hasher.VerifyAsync(new Password(new string('x', 1023) + "b"), hash)).Succeeded);
    }

    [TestMethod]
    public async Task Composed_and_decomposed_forms_of_a_password_are_the_same_password()
    {
        var hash = await s_hasher.HashAsync(new Password("caf\u00E9 au lait"));

        Assert.IsTrue((await s_hasher.VerifyAsync(new Password("cafe\u0301 au lait"), hash)).Succeeded);
    }

    [TestMethod]
    public async Task A_hash_made_at_lower_cost_verifies_and_asks_for_a_rehash()
    {
        using var stronger = new Argon2idPasswordHasher(Options.Create(new PasswordOptions { Iterations = 3 }), TestMetrics.Create());
        var oldHash = await s_hasher.HashAsync(new Password("correct horse battery"));

        var verification = await stronger.VerifyAsync(new Password("correct horse battery"), oldHash);
        var current = await stronger.VerifyAsync(new Password("correct horse battery"), await stronger.HashAsync(new Password("correct horse battery")));

        Assert.AreEqual(new PasswordVerification(true, true), verification);
        Assert.AreEqual(new PasswordVerification(true, false), current);
    }

    [TestMethod]
    public async Task A_full_hashing_queue_sheds_work_instead_of_queueing_without_bound()
    {
        using var tiny = new Argon2idPasswordHasher(Options.Create(new PasswordOptions { HashingThreads = 1, MaxQueuedHashes = 1 }), TestMetrics.Create());

        var burst = Enumerable.Range(0, 10).Select(_ => tiny.HashAsync(new Password("correct horse battery"))).ToList();
        var error = await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(() => Task.WhenAll(burst));

        Assert.AreEqual(UnavailableReason.PasswordHashingOverloaded, error.Reason);
        Assert.IsTrue(burst.Any(t => t.IsCompletedSuccessfully), "the work that fit was done");
    }

    [TestMethod]
    public void Passwords_never_print()
    {
        Assert.DoesNotContain("hunter2", new Password("hunter22hunter2").ToString());
    }
}
