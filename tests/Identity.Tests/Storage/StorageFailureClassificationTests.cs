using Identity.Contracts.Errors;
using Identity.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Identity.Testing;
using Npgsql;
using Orleans.Storage;

namespace Identity.Tests.Storage;

/// <summary>The storage wrapper tells an outage (retryable 503) from a bug (500, never retried).</summary>
[TestClass]
public sealed class StorageFailureClassificationTests
{
    private static readonly GrainId Grain = GrainId.Create("session", Guid.NewGuid().ToString("N"));

    [TestMethod]
    public async Task A_database_that_does_not_answer_is_an_outage_and_its_cause_is_logged()
    {
        var cause = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new System.Net.Sockets.SocketException(111));
        var log = new LogCapture("storage");
        var storage = new UnavailableOnFailureGrainStorage(new FailingStorage(cause), TestMetrics.Create(), log.CreateLogger("storage"));

        var failure = await Assert.ThrowsExactlyAsync<IdentityUnavailableException>(() => storage.WriteStateAsync("session", Grain, new GrainState<object>()));

        Assert.IsNull(failure.InnerException, "nothing unserializable travels to the caller");
        Assert.Contains(Grain.ToString(), log.Events.Single().Message, "the cause is logged with the grain");
    }

    [TestMethod]
    public async Task A_formatting_error_in_the_storage_path_is_a_bug_and_passes_through()
    {
        var storage = Wrap(new FormatException("Input string was not in a correct format."));

        await Assert.ThrowsExactlyAsync<FormatException>(() => storage.WriteStateAsync("login-name", Grain, new GrainState<object>()));
    }

    [TestMethod]
    public async Task Version_conflicts_pass_through_for_the_grain_to_handle()
    {
        var storage = Wrap(new InconsistentStateException("conflict", "1", "2"));

        await Assert.ThrowsExactlyAsync<InconsistentStateException>(() => storage.ReadStateAsync("user", Grain, new GrainState<object>()));
    }

    private static UnavailableOnFailureGrainStorage Wrap(Exception failure) =>
        new(new FailingStorage(failure), TestMetrics.Create(), NullLogger<UnavailableOnFailureGrainStorage>.Instance);

    private sealed class FailingStorage(Exception failure) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);
    }
}
