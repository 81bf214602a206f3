using System.Collections.Concurrent;

namespace Identity.Grains.Sessions;

/// <summary>
/// One copy per silo of the strings many sessions repeat — user agents above all (a browser's is
/// ~120 characters, ~250 bytes, and thousands of sessions carry the same one), usernames and IP
/// addresses. Bounded, so an attacker sending endless distinct user agents only stops the sharing,
/// it cannot grow the pool; a string that does not fit is simply kept as its own copy.
/// </summary>
internal static class SharedStrings
{
    private const int Capacity = 100_000;
    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    public static string? Share(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        return Pool.Count < Capacity ? Pool.GetOrAdd(value, value) : value;
    }
}
