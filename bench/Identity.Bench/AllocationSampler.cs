using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Text;

namespace Identity.Bench;

/// <summary>
/// A sampled allocation profile of this process: the runtime reports an allocation tick with the
/// allocated type about every 100 KB, so counting ticks per type shows where the bytes go without
/// any tool attached. <c>GET /bench/allocations?reset=true</c> starts afresh; without, it lists the
/// types by share of the sampled bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> bytesByType = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (data.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || data.PayloadNames is null)
        {
            return;
        }

        var typeIndex = data.PayloadNames.IndexOf("TypeName");
        var amountIndex = data.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }

        var amount = Convert.ToInt64(data.Payload![amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        bytesByType.AddOrUpdate((string?)data.Payload[typeIndex] ?? "?", amount, (_, sum) => sum + amount);
    }

    public void Reset() => bytesByType.Clear();

    public string Report(int top)
    {
        var total = bytesByType.Values.Sum();
        var report = new StringBuilder().Append("sampled_bytes=").Append(total).Append('\n');
        foreach (var (type, bytes) in bytesByType.OrderByDescending(e => e.Value).Take(top))
        {
            report.Append(System.Globalization.CultureInfo.InvariantCulture, $"{100.0 * bytes / Math.Max(1, total),5:F1}% {type}\n");
        }

        return report.ToString();
    }
}
