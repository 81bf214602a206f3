using Zxcvbn.Matcher;

namespace Identity.Grains.Passwords;

/// <summary>
/// Refuses guessable new passwords (NIST SP 800-63B: no composition rules, but a blocklist of
/// common, expected and compromised values). The judge is zxcvbn (package zxcvbn-core): its
/// frequency lists hold the 30,000 most common passwords plus 30,000 English words, names
/// and film titles, matched case-insensitively and in l33t spelling, and it scores whole patterns
/// (keyboard walks, sequences, repeats, dates). Refused: a password that is one of the common
/// passwords or built on the account's own names, and any that zxcvbn scores 0 or 1 (cracked in
/// under about a day offline), such as "password123", "P@ssw0rd!" or "qwertyuiop".
/// </summary>
internal static class PasswordPolicy
{
    /// <summary>
    /// Only this much is judged: matching grows with the square of the length, and a longer
    /// password whose first 100 characters are strong is not weak.
    /// </summary>
    private const int JudgedCharacters = 100;

    /// <summary>Words of the service itself, refused like the account's names.</summary>
    private static readonly string[] ServiceWords = ["identity", "identitygrid", "grid"];

    /// <summary>
    /// One estimator, its dictionaries loaded once (≈ 3 ms a check then, ≈ 18 ms with a fresh one).
    /// The library does not promise thread safety, so checks take turns; they run only at
    /// registration and password change, both rate-limited.
    /// </summary>
    private static readonly Lazy<Zxcvbn.Zxcvbn> Estimator = new(() => new Zxcvbn.Zxcvbn());
    private static readonly Lock EstimatorLock = new();

    /// <summary>Why <paramref name="password"/> is refused, or null when it is acceptable.</summary>
    /// <param name="accountWords">The username, the email address and its local part: what an attacker tries first.</param>
    public static string? Refusal(string password, IEnumerable<string?> accountWords)
    {
        var judged = password.Length > JudgedCharacters ? password[..JudgedCharacters] : password;
        var context = accountWords
            .Where(w => !string.IsNullOrWhiteSpace(w))
            .SelectMany(w => new[] { w!, w!.Split('@')[0] })
            .Concat(ServiceWords)
            .Select(w => w.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Zxcvbn.Result result;
        lock (EstimatorLock)
        {
            result = Estimator.Value.EvaluatePassword(judged, context);
        }

        var matches = result.MatchSequence.ToList();
        if (matches.Exists(m => m is DictionaryMatch { DictionaryName: "user_inputs" }) && result.Score < 3)
        {
            return "The password is built on your username, email address or this service's name; choose one that has nothing to do with them.";
        }

        if (matches is [DictionaryMatch { DictionaryName: "passwords" }])
        {
            return "The password is one of the most common passwords; choose a less common one (a few unrelated words make a strong one).";
        }

        return result.Score < 2
            ? "The password is too easy to guess; choose a longer or less predictable one (a few unrelated words make a strong one)."
            : null;
    }
}
