using Serilog.Events;

namespace Identity.ServiceDefaults.Logging;

/// <summary>
/// Drops the warning Orleans logs when one of its own timers (the load publisher's, every few
/// seconds) fires while the host is disposing its services — after a start-up failure, or on an
/// ordinary stop: "Exception during Grain method call … ObjectDisposedException: IServiceProvider".
/// It can only happen once the container is gone, it changes nothing, and its stack trace would
/// break the one-line start-up failure promise (seen in CI after a port-in-use failure).
/// </summary>
internal static class OrleansShutdownRace
{
    public static bool Matches(LogEvent logEvent) =>
        logEvent.Exception is ObjectDisposedException { ObjectName: "IServiceProvider" }
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: string context }
        && context.StartsWith("Orleans", StringComparison.Ordinal);
}
