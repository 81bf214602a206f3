namespace Identity.Grains.Storage.PostgreSql;

/// <summary>The identity database cannot be used: the message says why and what to do.</summary>
public sealed class IdentityDatabaseException : Exception
{
    public IdentityDatabaseException()
    {
    }

    public IdentityDatabaseException(string message)
        : base(message)
    {
    }

    public IdentityDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
