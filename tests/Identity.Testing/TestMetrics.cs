using System.Diagnostics.Metrics;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Testing;

/// <summary>The grid's instruments for code a test builds by hand (no host), on a meter factory of their own.</summary>
public static class TestMetrics
{
    public static GridMetrics Create() => new(Factory());

    public static IMeterFactory Factory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
}
