using Microsoft.Extensions.Time.Testing;

namespace Identity.Testing;

internal static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Create() => new(Start);
}
