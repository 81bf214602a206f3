namespace Identity.DevPostgres;

/// <summary>The private server cannot be created, started or stopped: the message says why and what to do.</summary>
public sealed class DevPostgresException : Exception
{
    public DevPostgresException()
    {
    }

    public DevPostgresException(string message)
        : base(message)
    {
    }

    public DevPostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
