namespace Identity.Contracts.Health;

/// <summary>
/// Readiness questions the grid answers on whichever silo the caller reaches first. Two calls, so
/// "the grid answers" and "its storage answers" stay separate signals: a slow database must not
/// make the grid look down.
/// </summary>
[Alias("identity.IGridProbeGrain")]
public interface IGridProbeGrain : IGrainWithIntegerKey
{
    /// <summary>Returns the name of the silo that answered; touches no storage.</summary>
    [Alias("Probe")]
    Task<string> ProbeAsync();

    /// <summary>Whether the silo's grain storage answers, within about two seconds.</summary>
    [Alias("CheckStorage")]
    Task<StorageHealth> CheckStorageAsync();
}

/// <summary>What a silo knows of its grain storage.</summary>
[GenerateSerializer, Immutable, Alias("identity.StorageHealth")]
public sealed record StorageHealth([property: Id(0)] bool Healthy, [property: Id(1)] string Description);
