using System.Globalization;
using System.Text;
using Identity.Contracts.Passwords;

namespace Identity.Contracts.LoginNames;

/// <summary>
/// Canonical forms of usernames and email addresses, in the spirit of RFC 8265 UsernameCaseMapped:
/// Unicode NFKC (so fullwidth and compatibility forms collapse), then case mapping, then NFKC again.
/// <c>Alice</c>, <c>ALICE</c> and fullwidth <c>Ａｌｉｃｅ</c> are one name. Control and zero-width
/// (format) characters are refused, as are spaces, every default-ignorable code point (PRECIS
/// IdentifierClass) and, in usernames, letters of different alphabets mixed in one name
/// (<see cref="UnicodeRules"/>). Case mapping is .NET's invariant simple mapping
/// (no full folding: <c>ß</c> does not become <c>ss</c>).
/// Usernames and emails live in separate key spaces: an identifier with <c>@</c> is an email.
/// </summary>
public static class LoginName
{
    public const int MinUsernameLength = 3;
    public const int MaxUsernameLength = 64;
    public const int MaxEmailLength = 254;
    private const string UsernameKeyPrefix = "username:";
    private const string EmailKeyPrefix = "email:";

    /// <summary>The login-name grain key for a normalized username.</summary>
    public static string UsernameKey(string normalizedUsername) => UsernameKeyPrefix + Digest(normalizedUsername);

    /// <summary>The login-name grain key for a normalized email address.</summary>
    public static string EmailKey(string normalizedEmail) => EmailKeyPrefix + Digest(normalizedEmail);

    /// <summary>
    /// Keys carry a digest of the name, never the name: no user input reaches grain ids, storage
    /// keys or the providers' formatting of them (Orleans 10.4.2's ADO.NET storage passes a grain
    /// key to string.Format, so an email with '{' failed every write). The name itself is kept in
    /// the login-name grain's state.
    /// </summary>
    private static string Digest(string normalized) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));

    /// <summary>
    /// Maps what a person typed at login (username or email) to its login-name grain key.
    /// False when it cannot be any registered name (then the caller treats it as unknown).
    /// </summary>
    public static bool TryGetLoginKey(string identifier, out string key)
    {
        if (identifier.Contains('@', StringComparison.Ordinal))
        {
            var ok = TryNormalizeEmail(identifier, out var email, out _);
            key = ok ? EmailKey(email) : string.Empty;
            return ok;
        }

        var valid = TryNormalizeUsername(identifier, out var username, out _);
        key = valid ? UsernameKey(username) : string.Empty;
        return valid;
    }

    public static bool TryNormalizeUsername(string input, out string normalized, out string? error)
    {
        normalized = string.Empty;
        if (!TryCaseMap(input, out var mapped, out error))
        {
            return false;
        }

        var length = 0;
        foreach (var rune in mapped.EnumerateRunes())
        {
            length++;
            if (!IsUsernameRune(rune))
            {
                error = "A username may contain only letters, digits, '.', '_' and '-' (no spaces, '@' or invisible characters).";
                return false;
            }
        }

        if (length is < MinUsernameLength or > MaxUsernameLength)
        {
            error = $"A username must be {MinUsernameLength} to {MaxUsernameLength} characters.";
            return false;
        }

        if (!UnicodeRules.IsSingleScript(mapped))
        {
            error = "A username may not mix letters of different alphabets (such as Latin and Cyrillic), which would let it look like another.";
            return false;
        }

        normalized = mapped;
        return true;
    }

    public static bool TryNormalizeEmail(string input, out string normalized, out string? error)
    {
        normalized = string.Empty;
        if (!TryCaseMap(input, out var mapped, out error))
        {
            return false;
        }

        foreach (var rune in mapped.EnumerateRunes())
        {
            if (IsRefused(rune) || Rune.IsWhiteSpace(rune))
            {
                error = "An email address may not contain spaces, control or invisible characters.";
                return false;
            }
        }

        var at = mapped.IndexOf('@', StringComparison.Ordinal);
        var local = at > 0 ? mapped[..at] : string.Empty;
        var domain = at > 0 ? mapped[(at + 1)..] : string.Empty;
        if (at <= 0 || mapped.LastIndexOf('@') != at || local.Length > 64 || domain.Length == 0
            || !domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.')
            || domain.Contains("..", StringComparison.Ordinal) || mapped.Length > MaxEmailLength)
        {
            error = "Not a valid email address.";
            return false;
        }

        normalized = mapped;
        return true;
    }

    private static bool TryCaseMap(string input, out string mapped, out string? error)
    {
        mapped = string.Empty;
        error = null;
        if (string.IsNullOrEmpty(input))
        {
            error = "Required.";
            return false;
        }

        // Normalization throws on unpaired surrogates, and over-long input is refused before work.
        if (input.Length > 4 * MaxEmailLength || !PasswordText.IsWellFormed(input))
        {
            error = "Too long or not valid Unicode text.";
            return false;
        }

        mapped = input.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Normalize(NormalizationForm.FormKC);
        return true;
    }

    private static bool IsUsernameRune(Rune rune)
    {
        if (rune.Value is '.' or '_' or '-')
        {
            return true;
        }

        return !IsRefused(rune) && Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            _ => false,
        };
    }

    /// <summary>
    /// Control, format (zero-width and bidi controls), private-use and unassigned code points, and
    /// every default-ignorable one (fillers such as U+3164, variation selectors, U+034F), which
    /// render as nothing: "alice" followed by one is not another name.
    /// </summary>
    private static bool IsRefused(Rune rune) => UnicodeRules.IsDefaultIgnorable(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control
        or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
