using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Users;
using Identity.Testing;

namespace Identity.Tests.Grains;

[TestClass]
public sealed class RegistrationTests
{
    private static TestGrid s_grid = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => s_grid = await TestGrid.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_grid.DisposeAsync();

    [TestMethod]
    public async Task Names_equal_after_case_and_width_mapping_are_one_account()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, $"Alice{suffix}");

        var upper = await Register($"ALICE{suffix.ToUpperInvariant()}");
        var fullwidth = await Register($"Ａｌｉｃｅ{suffix}");

        Assert.IsInstanceOfType<RegistrationResult.UsernameTaken>(upper);
        Assert.IsInstanceOfType<RegistrationResult.UsernameTaken>(fullwidth);
        var resolved = await s_grid.Grains.GetGrain<ILoginNameGrain>(LoginName.UsernameKey($"alice{suffix}")).ResolveAsync();
        Assert.AreEqual(userId, resolved);
        Assert.IsInstanceOfType<LoginResult.Succeeded>(await GridScenario.TryLoginAsync(s_grid.Grains, $"ＡＬＩＣＥ{suffix}"));
    }

    [TestMethod]
    public async Task Concurrent_registrations_of_one_name_have_exactly_one_winner()
    {
        var name = GridScenario.UniqueName();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Register(name)));

        Assert.AreEqual(1, results.Count(r => r is RegistrationResult.Registered));
        Assert.AreEqual(9, results.Count(r => r is RegistrationResult.UsernameTaken));
    }

    [TestMethod]
    public async Task A_taken_email_refuses_registration_and_releases_the_username_claim()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        await GridScenario.RegisterAsync(s_grid.Grains, GridScenario.UniqueName(), email: email);
        var name = GridScenario.UniqueName();

        var refused = await Register(name, email.ToUpperInvariant());
        var retried = await Register(name);

        Assert.IsInstanceOfType<RegistrationResult.EmailTaken>(refused);
        Assert.IsInstanceOfType<RegistrationResult.Registered>(retried);
    }

    [TestMethod]
    public async Task Login_works_with_the_email_as_well_as_the_username()
    {
        var name = GridScenario.UniqueName();
        var email = $"{Guid.NewGuid():N}@Example.COM";
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name, email: email);

        var byEmail = await GridScenario.TryLoginAsync(s_grid.Grains, email.ToLowerInvariant());

        Assert.AreEqual(userId, ((LoginResult.Succeeded)byEmail).UserId);
    }

    [TestMethod]
    public async Task Invalid_fields_are_all_reported_and_nothing_is_claimed()
    {
        var result = await Register("a\u200Bb", "not-an-email", "short");

        var invalid = (RegistrationResult.Invalid)result;
        CollectionAssert.AreEquivalent((string[])["username", "email", "password"], invalid.Errors.Keys.ToList());
        Assert.IsNull(await s_grid.Grains.GetGrain<ILoginNameGrain>(LoginName.UsernameKey("a\u200Bb")).ResolveAsync());
    }

    [TestMethod]
    public async Task Unknown_wrong_and_locked_logins_all_cost_exactly_one_hash()
    {
        var name = GridScenario.UniqueName();
        await GridScenario.RegisterAsync(s_grid.Grains, name);

        var unknown = await CostOf(() => GridScenario.TryLoginAsync(s_grid.Grains, GridScenario.UniqueName(), "whatever pass"));
        var wrong = await CostOf(() => GridScenario.TryLoginAsync(s_grid.Grains, name, "whatever pass"));
        for (var i = 0; i < 9; i++)
        {
            await GridScenario.TryLoginAsync(s_grid.Grains, name, "whatever pass");
        }

        var locked = await CostOf(() => GridScenario.TryLoginAsync(s_grid.Grains, name, GridScenario.Password));

        Assert.AreEqual(1, unknown);
        Assert.AreEqual(1, wrong);
        Assert.AreEqual(1, locked);
    }

    [TestMethod]
    public async Task The_stored_user_holds_an_argon2id_hash_never_the_password()
    {
        var name = GridScenario.UniqueName();
        var userId = await GridScenario.RegisterAsync(s_grid.Grains, name);

        var payload = s_grid.Storage.PayloadOf("user", s_grid.Grains.GetGrain<IUserGrain>(userId).GetGrainId());

        Assert.IsNotNull(payload);
        Assert.DoesNotContain(GridScenario.Password, payload);
        StringAssert.Contains(payload, "$argon2id$v=19$m=19456,t=2,p=1$");
    }

    [TestMethod]
    public async Task A_name_an_invisible_character_or_a_look_alike_letter_away_is_not_another_account()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        Assert.IsInstanceOfType<RegistrationResult.Registered>(await Register($"alice{suffix}"));

        var filler = await Register($"alice{suffix}\u3164");
        var cyrillic = await Register($"\u0430lice{suffix}");
        var fullwidth = await Register($"ａｌｉｃｅ{suffix}");

        Assert.IsInstanceOfType<RegistrationResult.Invalid>(filler);
        Assert.IsInstanceOfType<RegistrationResult.Invalid>(cyrillic);
        Assert.IsInstanceOfType<RegistrationResult.UsernameTaken>(fullwidth, "the fullwidth form is the same name");
    }

    private static async Task<int> CostOf(Func<Task<LoginResult>> login)
    {
        var before = s_grid.Hashing.Total;
        await login();
        return s_grid.Hashing.Total - before;
    }

    private static Task<RegistrationResult> Register(string username, string? email = null, string password = GridScenario.Password) =>
        s_grid.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).RegisterAsync(new Registration(username, email, new Password(password)));
}
