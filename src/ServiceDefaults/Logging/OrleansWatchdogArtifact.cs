using System.Diagnostics;
using Serilog.Events;

namespace Identity.ServiceDefaults.Logging;

/// <summary>
/// Drops the one false alarm Orleans 10 prints on every start: "Participant check thread has not
/// completed for {TimeSinceLastTick}, potentially indicating … deadlock", with the machine's uptime
/// as the duration. Its watchdog measures from a timestamp that is still 0 when the first platform
/// check runs (before the component-check thread has looped once), so the "stall" is the time since
/// the clock's origin, i.e. boot. A real stall cannot have lasted longer than this process has
/// existed, so only those events are dropped; real ones still show.
/// </summary>
internal static class OrleansWatchdogArtifact
{
    private const int SiloHeartbeatTimerStalled = 100150;
    private static readonly DateTime ProcessStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static bool Matches(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: "Orleans.Runtime.Watchdog" }
        && logEvent.Properties.TryGetValue("EventId", out var eventId) && eventId is StructureValue structure
        && structure.Properties.Any(p => p.Name == "Id" && p.Value is ScalarValue { Value: SiloHeartbeatTimerStalled })
        && logEvent.Properties.TryGetValue("TimeSinceLastTick", out var stalled) && stalled is ScalarValue { Value: TimeSpan duration }
        && duration > DateTime.UtcNow - ProcessStarted;
}
