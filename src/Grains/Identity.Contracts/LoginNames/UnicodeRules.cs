using System.Globalization;
using System.Text;

namespace Identity.Contracts.LoginNames;

/// <summary>
/// The parts of RFC 8264/8265 (PRECIS IdentifierClass) and UTS #39 that .NET does not provide:
/// default-ignorable code points, which render as nothing yet make a different name, and the
/// script of a letter, for a single-script rule that stops look-alike names mixing alphabets
/// (Cyrillic "а" among Latin letters). Tables are from the Unicode Character Database
/// (DerivedCoreProperties.txt: Default_Ignorable_Code_Point; Scripts.txt for the blocks below).
/// </summary>
internal static class UnicodeRules
{
    /// <summary>Default_Ignorable_Code_Point, as ranges of code points.</summary>
    private static readonly (int First, int Last)[] DefaultIgnorable =
    [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
        (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
        (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
    ];

    /// <summary>Letters' scripts by block; anything else is keyed by its 256-code-point page.</summary>
    private static readonly (int First, int Last, string Script)[] Scripts =
    [
        (0x0041, 0x024F, "Latin"), (0x0250, 0x02AF, "Latin"), (0x1D00, 0x1DBF, "Latin"), (0x1E00, 0x1EFF, "Latin"),
        (0x2C60, 0x2C7F, "Latin"), (0xA720, 0xA7FF, "Latin"), (0xAB30, 0xAB6F, "Latin"), (0xFF21, 0xFF5A, "Latin"),
        (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
        (0x0400, 0x052F, "Cyrillic"), (0x1C80, 0x1C8F, "Cyrillic"), (0x2DE0, 0x2DFF, "Cyrillic"), (0xA640, 0xA69F, "Cyrillic"),
        (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
        (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0E00, 0x0E7F, "Thai"), (0x10A0, 0x10FF, "Georgian"),
        (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xAC00, 0xD7AF, "Hangul"),
        (0x3040, 0x309F, "Hiragana"), (0x30A0, 0x30FF, "Katakana"), (0x31F0, 0x31FF, "Katakana"), (0xFF66, 0xFF9F, "Katakana"),
        (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xF900, 0xFAFF, "Han"), (0x20000, 0x3134F, "Han"),
        (0x3100, 0x312F, "Bopomofo"),
    ];

    /// <summary>Scripts that are written together (UTS #39 "Highly Restrictive"): Japanese, Korean, Chinese with Bopomofo.</summary>
    private static readonly string[][] WrittenTogether =
    [
        ["Han", "Hiragana", "Katakana"],
        ["Han", "Hangul"],
        ["Han", "Bopomofo"],
    ];

    public static bool IsDefaultIgnorable(Rune rune)
    {
        foreach (var (first, last) in DefaultIgnorable)
        {
            if (rune.Value >= first && rune.Value <= last)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the letters of <paramref name="text"/> come from one script (digits, marks and
    /// punctuation belong to every script), or from scripts written together, such as Japanese kanji and kana.
    /// </summary>
    public static bool IsSingleScript(string text)
    {
        var scripts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rune in text.EnumerateRunes())
        {
            if ((Rune.IsLetter(rune) && Rune.GetUnicodeCategory(rune) != UnicodeCategory.ModifierLetter) || rune.Value is 0x30FC)
            {
                scripts.Add(ScriptOf(rune));
            }
        }

        return scripts.Count <= 1 || Array.Exists(WrittenTogether, allowed => scripts.IsSubsetOf(allowed));
    }

    private static string ScriptOf(Rune rune)
    {
        if (rune.Value == 0x30FC)
        {
            return "Katakana"; // the prolonged sound mark, shared by both kana
        }

        foreach (var (first, last, script) in Scripts)
        {
            if (rune.Value >= first && rune.Value <= last)
            {
                return script;
            }
        }

        return "page-" + (rune.Value >> 8).ToString("X", CultureInfo.InvariantCulture);
    }
}
