using System.Collections.Concurrent;
using System.Globalization;
using Identity.Grains.Storage;
using Orleans.Storage;

namespace Identity.Testing;

/// <summary>
/// In-memory grain storage shared by every silo of a test cluster, like a database would be.
/// It round-trips state through the production JSON serializer, counts reads and writes per state
/// name, and can be switched to fail every operation, to test behaviour when storage is down.
/// </summary>
internal sealed class TestGrainStorage(IdentityStateSerializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string StateName, GrainId GrainId), (BinaryData Payload, int Version)> _rows = new();
    private readonly ConcurrentDictionary<string, int> _writes = new();
    private readonly ConcurrentDictionary<(string StateName, GrainId GrainId), int> _rowWrites = new();
    private int _reads;

    /// <summary>While true, every read, write and clear throws, as a database that is down would.</summary>
    public bool Unavailable { get; set; }

    /// <summary>While true, every write fails as a bug in the storage path would (not an outage).</summary>
    public bool Broken { get; set; }

    public int Reads => Volatile.Read(ref _reads);

    public int WritesOf(string stateName) => _writes.GetValueOrDefault(stateName);

    public int WritesOf(string stateName, GrainId grainId) => _rowWrites.GetValueOrDefault((stateName, grainId));

    public int RowCount(string stateName) => _rows.Keys.Count(k => k.StateName == stateName);

    public string? PayloadOf(string stateName, GrainId grainId) =>
        _rows.TryGetValue((stateName, grainId), out var row) ? row.Payload.ToString() : null;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfUnavailable();
        Interlocked.Increment(ref _reads);
        if (_rows.TryGetValue((stateName, grainId), out var row))
        {
            grainState.State = serializer.Deserialize<T>(row.Payload)!;
            grainState.ETag = row.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfUnavailable();
        var key = (stateName, grainId);
        var payload = serializer.Serialize(grainState.State);
        lock (_rows)
        {
            var current = _rows.TryGetValue(key, out var row) ? row.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"Version conflict on {stateName}/{grainId}.", current ?? "none", grainState.ETag ?? "none");
            }

            var version = row.Version + 1;
            _rows[key] = (payload, version);
            grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        _writes.AddOrUpdate(stateName, 1, (_, n) => n + 1);
        _rowWrites.AddOrUpdate(key, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfUnavailable();
        _rows.TryRemove((stateName, grainId), out _);
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private void ThrowIfUnavailable()
    {
        if (Broken)
        {
            throw new FormatException("Test storage is broken.");
        }

        if (Unavailable)
        {
            throw new IOException("Test storage is unavailable.");
        }
    }
}
