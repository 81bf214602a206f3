using Identity.Contracts.LoginNames;

namespace Identity.Tests.Domain;

[TestClass]
public sealed class LoginNameTests
{
    [TestMethod]
    [DataRow("Alice")]
    [DataRow("ALICE")]
    [DataRow("alice")]
    [DataRow("Ａｌｉｃｅ")]
    [DataRow("ＡＬＩＣＥ")]
    public void Case_and_width_variants_normalize_to_one_name(string input)
    {
        Assert.IsTrue(LoginName.TryNormalizeUsername(input, out var normalized, out _));
        Assert.AreEqual("alice", normalized);
    }

    [TestMethod]
    [DataRow("a\u200Bb\u200Bc", DisplayName = "zero-width space")]
    [DataRow("ab\u200Dc", DisplayName = "zero-width joiner")]
    [DataRow("ab\u0007c", DisplayName = "bell (control)")]
    [DataRow("ab\u202Ec", DisplayName = "right-to-left override")]
    [DataRow("ab c", DisplayName = "space")]
    [DataRow(" abc", DisplayName = "leading space")]
    [DataRow("ab@c", DisplayName = "at sign")]
    [DataRow("ab", DisplayName = "too short")]
    [DataRow("", DisplayName = "empty")]
    [DataRow("ab\uD800c", DisplayName = "unpaired surrogate")]
    public void Invisible_control_and_malformed_names_are_refused(string input)
    {
        Assert.IsFalse(LoginName.TryNormalizeUsername(input, out _, out var error));
        Assert.IsFalse(string.IsNullOrEmpty(error));
    }

    [TestMethod]
    [DataRow("alice\u3164", DisplayName = "Hangul filler U+3164")]
    [DataRow("ali\u034Fce", DisplayName = "combining grapheme joiner U+034F")]
    [DataRow("\u115Falice", DisplayName = "Hangul choseong filler U+115F")]
    [DataRow("alice\uFE0F", DisplayName = "variation selector U+FE0F")]
    [DataRow("ali\u00ADce", DisplayName = "soft hyphen")]
    [DataRow("alice\U000E0041", DisplayName = "tag character")]
    public void Default_ignorable_code_points_are_refused_so_an_invisible_twin_cannot_exist(string input)
    {
        Assert.IsFalse(LoginName.TryNormalizeUsername(input, out _, out _));
        Assert.IsFalse(LoginName.TryNormalizeEmail(input + "@example.com", out _, out _));
    }

    [TestMethod]
    [DataRow("\u0430lice", DisplayName = "Cyrillic а among Latin")]
    [DataRow("p\u0430yp\u0430l", DisplayName = "paypal with Cyrillic а")]
    [DataRow("\u03B1lice", DisplayName = "Greek α among Latin")]
    [DataRow("ivan\u0438", DisplayName = "Latin with a Cyrillic letter")]
    public void Names_mixing_alphabets_are_refused(string input)
    {
        Assert.IsFalse(LoginName.TryNormalizeUsername(input, out _, out var error));
        StringAssert.Contains(error, "alphabets");
    }

    [TestMethod]
    [DataRow("иван_42", DisplayName = "Cyrillic")]
    [DataRow("Ελληνικά", DisplayName = "Greek")]
    [DataRow("東京ユーザー", DisplayName = "Han with Katakana")]
    [DataRow("すずき.タロウ", DisplayName = "Hiragana with Katakana")]
    [DataRow("김민수", DisplayName = "Hangul")]
    [DataRow("zoë-2000", DisplayName = "Latin with a combining-free diaeresis and digits")]
    public void Names_in_one_script_or_scripts_written_together_are_accepted(string input)
    {
        Assert.IsTrue(LoginName.TryNormalizeUsername(input, out _, out var error), error);
    }

    [TestMethod]
    public void Names_longer_than_64_characters_are_refused()
    {
        Assert.IsTrue(LoginName.TryNormalizeUsername(new string('a', 64), out _, out _));
        Assert.IsFalse(LoginName.TryNormalizeUsername(new string('a', 65), out _, out _));
    }

    [TestMethod]
    public void Letters_of_any_script_digits_and_separators_are_accepted()
    {
        Assert.IsTrue(LoginName.TryNormalizeUsername("Zoë_O'Brien".Replace("'", "-", StringComparison.Ordinal), out var latin, out _));
        Assert.AreEqual("zoë_o-brien", latin);
        Assert.IsTrue(LoginName.TryNormalizeUsername("ユーザー.42", out _, out _));
    }

    [TestMethod]
    public void Emails_are_normalized_and_kept_apart_from_usernames()
    {
        Assert.IsTrue(LoginName.TryNormalizeEmail("Bob@Example.COM", out var email, out _));
        Assert.AreEqual("bob@example.com", email);
        Assert.IsTrue(LoginName.TryGetLoginKey("BOB@example.com", out var byEmail));
        Assert.IsTrue(LoginName.TryGetLoginKey("bob", out var byName));
        Assert.AreEqual(LoginName.EmailKey("bob@example.com"), byEmail);
        Assert.AreNotEqual(byEmail, byName);
    }

    [TestMethod]
    [DataRow("no-at-sign")]
    [DataRow("@example.com")]
    [DataRow("a@b@example.com")]
    [DataRow("a@localhost")]
    [DataRow("a@.example.com")]
    [DataRow("a@example..com")]
    [DataRow("a b@example.com")]
    [DataRow("a\u200B@example.com")]
    public void Malformed_emails_are_refused(string input) =>
        Assert.IsFalse(LoginName.TryNormalizeEmail(input, out _, out _));
}
