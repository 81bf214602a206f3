namespace Identity.Contracts.Errors;

/// <summary>Why the grid could not complete a call right now.</summary>
[GenerateSerializer, Alias("identity.UnavailableReason")]
public enum UnavailableReason
{
    /// <summary>The change could not be saved; nothing was acknowledged and memory was rolled back.</summary>
    StorageUnavailable = 0,

    /// <summary>Too many password hashes are queued on this silo; shed rather than queue without bound.</summary>
    PasswordHashingOverloaded = 1,
}

/// <summary>
/// Thrown by a grain when a call cannot complete now but may succeed when retried later.
/// The HTTP edge answers it with 503 and Retry-After.
/// </summary>
[GenerateSerializer, Alias("identity.IdentityUnavailableException")]
public sealed class IdentityUnavailableException : Exception
{
    public IdentityUnavailableException(UnavailableReason reason, TimeSpan retryAfter, Exception? innerException = null)
        : base(MessageFor(reason), innerException)
    {
        Reason = reason;
        RetryAfter = retryAfter;
    }

    public IdentityUnavailableException()
    {
    }

    public IdentityUnavailableException(string message)
        : base(message)
    {
    }

    public IdentityUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)] public UnavailableReason Reason { get; private set; }

    [Id(1)] public TimeSpan RetryAfter { get; private set; } = TimeSpan.FromSeconds(1);

    private static string MessageFor(UnavailableReason reason) => reason switch
    {
        UnavailableReason.StorageUnavailable => "The identity store is unavailable; the change was not made.",
        UnavailableReason.PasswordHashingOverloaded => "Too many sign-ins are being processed; try again shortly.",
        _ => "The service is unavailable.",
    };
}
