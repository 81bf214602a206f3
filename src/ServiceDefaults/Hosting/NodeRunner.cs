using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Identity.ServiceDefaults.Hosting;

/// <summary>
/// Runs a process of the grid (an Api node or a silo) so that a start-up mistake reads like a
/// product, not a crash: a failure a person can fix (<see cref="StartupFailure"/>) prints one line
/// saying what is wrong and what to do, the exit status is 1, and everything the process started —
/// the host, and what was started before it existed, such as the default run's private
/// PostgreSQL (<see cref="StopOnExit"/>) — is stopped. Anything else is a bug and surfaces as one,
/// after the same clean-up.
/// </summary>
public static class NodeRunner
{
    private const string ResourcesKey = "identity.stop-on-exit";

    /// <param name="errors">Where the one line goes (standard error unless a test gives its own).</param>
    /// <param name="stopping">Stops the node (besides SIGTERM and Ctrl+C).</param>
    public static async Task<int> RunAsync(
        string name,
        Func<WebApplicationBuilder> create,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> pipeline,
        TextWriter? errors = null,
        CancellationToken stopping = default)
    {
        WebApplicationBuilder? builder = null;
        WebApplication? app = null;
        try
        {
            builder = create();
            configure(builder);
            app = builder.Build();
            pipeline(app);
            await app.StartAsync(stopping);
            await app.WaitForShutdownAsync(stopping);
            return 0;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (StartupFailure.Explain(ex) is { } problem)
        {
            await (errors ?? Console.Error).WriteLineAsync($"{name} cannot start: {problem}");
            return 1;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            if (builder?.Host.Properties.TryGetValue(ResourcesKey, out var resources) == true)
            {
                foreach (var resource in ((Stack<IDisposable>)resources).ToArray())
                {
                    resource.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Something started while the host was being configured (before it can own it), to stop when the
    /// process leaves <see cref="RunAsync"/> however it leaves: after the host has stopped, in reverse order.
    /// </summary>
    public static void StopOnExit(this IHostApplicationBuilder builder, IDisposable resource)
    {
        if (!builder.Properties.TryGetValue(ResourcesKey, out var resources))
        {
            builder.Properties[ResourcesKey] = resources = new Stack<IDisposable>();
        }

        ((Stack<IDisposable>)resources).Push(resource);
    }
}
