using System.Collections.Concurrent;
using System.Diagnostics;
using Identity.Contracts.Errors;
using Identity.Grains.Telemetry;

namespace Identity.Grains.Passwords;

/// <summary>
/// A small pool of dedicated threads for password hashing, with a bounded queue in front.
/// A 16 ms Argon2id hash on a thread-pool thread would hold a thread the grain scheduler and
/// Kestrel need; a burst of logins could starve token validation. Here a burst only lengthens
/// the hashing queue, and once the queue is full further work is refused at once
/// (<see cref="UnavailableReason.PasswordHashingOverloaded"/>) instead of queueing without bound.
/// </summary>
internal sealed class HashingWorkers : IDisposable
{
    private static readonly TimeSpan OverloadRetryAfter = TimeSpan.FromSeconds(1);
    private readonly BlockingCollection<IWorkItem> _queue;
    private readonly Thread[] _threads;
    private readonly GridMetrics _metrics;
    private int _waiting; // not _queue.Count: the metric may be read after the queue is disposed

    public HashingWorkers(int threadCount, int maxQueued, GridMetrics metrics)
    {
        _queue = new BlockingCollection<IWorkItem>(new ConcurrentQueue<IWorkItem>(), maxQueued);
        _metrics = metrics;
        metrics.ObserveHashQueue(() => Volatile.Read(ref _waiting));
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"password-hashing-{i}" };
            _threads[i].Start();
        }
    }

    public Task<T> RunAsync<T>(Func<T> work)
    {
        var item = new WorkItem<T>(work);
        Interlocked.Increment(ref _waiting);
        if (!_queue.TryAdd(item))
        {
            Interlocked.Decrement(ref _waiting);
            return Task.FromException<T>(new IdentityUnavailableException(UnavailableReason.PasswordHashingOverloaded, OverloadRetryAfter));
        }

        return item.Completion.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            Interlocked.Decrement(ref _waiting);
            var started = Stopwatch.GetTimestamp();
            item.Execute();
            _metrics.PasswordHashed(Stopwatch.GetElapsedTime(started));
        }
    }

    private interface IWorkItem
    {
        void Execute();
    }

    private sealed class WorkItem<T>(Func<T> work) : IWorkItem
    {
        // Continuations must not run on the hashing thread: they belong to the grain that waits.
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute()
        {
            try
            {
                Completion.SetResult(work());
            }
#pragma warning disable CA1031 // The failure is handed to the waiting caller, not swallowed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Completion.SetException(ex);
            }
        }
    }
}
