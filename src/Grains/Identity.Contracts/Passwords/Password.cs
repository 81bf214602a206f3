namespace Identity.Contracts.Passwords;

/// <summary>
/// A password in transit to the grain that checks it. Wrapped so that no log line, exception
/// message or debugger view ever prints it.
/// </summary>
[GenerateSerializer, Immutable, Alias("identity.Password")]
public sealed class Password(string value)
{
    /// <summary>The longest password accepted, in Unicode characters. Checked before any hashing.</summary>
    public const int MaxLength = 1024;

    [Id(0)] public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    public override string ToString() => "[password redacted]";
}

/// <summary>Rules on password text shared by the HTTP edge and the grains.</summary>
public static class PasswordText
{
    /// <summary>
    /// What is wrong with a password field as a request sent it — missing, or longer than any password
    /// may be — checked before anything is hashed; null when it may be checked.
    /// </summary>
    public static string? FieldError(string? value) =>
        string.IsNullOrEmpty(value) ? "Required."
        : CountCharacters(value) > Password.MaxLength ? $"The password must be at most {Password.MaxLength} characters."
        : null;

    /// <summary>Counts Unicode scalar values; an unpaired surrogate counts as one.</summary>
    public static int CountCharacters(string value)
    {
        var count = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }

            count++;
        }

        return count;
    }

    /// <summary>True when the string is well-formed UTF-16 (no unpaired surrogates), so it can be normalized and hashed.</summary>
    public static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Checks a new password: well-formed text, at least <paramref name="minLength"/> and at most
    /// <see cref="Password.MaxLength"/> characters. No composition rules (NIST SP 800-63B).
    /// Returns null when acceptable, else the reason.
    /// </summary>
    public static string? Validate(string password, int minLength)
    {
        if (!IsWellFormed(password))
        {
            return "The password contains invalid Unicode (an unpaired surrogate).";
        }

        var length = CountCharacters(password);
        if (length < minLength)
        {
            return $"The password must be at least {minLength} characters.";
        }

        return length > Password.MaxLength ? $"The password must be at most {Password.MaxLength} characters." : null;
    }
}
