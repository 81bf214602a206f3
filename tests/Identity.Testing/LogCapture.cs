using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Identity.Testing;

/// <summary>One captured log event: its category, event name, rendered message and structured values.</summary>
internal sealed record CapturedEvent(string Category, string EventName, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

/// <summary>A logger provider that keeps every event of the categories it is asked for, for tests to read.</summary>
internal sealed class LogCapture(string category) : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedEvent> events = new();

    public IReadOnlyList<CapturedEvent> Events => [.. events];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName == category ? this : null, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture? capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => capture is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (capture is null)
            {
                return;
            }

            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : new Dictionary<string, object?>();
            capture.events.Enqueue(new CapturedEvent(category, eventId.Name ?? string.Empty, logLevel, formatter(state, exception), values));
        }
    }
}
