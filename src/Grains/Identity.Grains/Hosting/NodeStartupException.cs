namespace Identity.Grains.Hosting;

/// <summary>A node cannot start for a reason a person can fix; the message says what is wrong and what to do.</summary>
public sealed class NodeStartupException : Exception
{
    public NodeStartupException()
    {
    }

    public NodeStartupException(string message)
        : base(message)
    {
    }

    public NodeStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
