namespace Identity.Contracts.Health;

/// <summary>
/// A grain call that touches no storage: readiness asks it whether the grid answers at all,
/// so "grid" and "database" health stay separate signals.
/// </summary>
[Alias("identity.IGridProbeGrain")]
public interface IGridProbeGrain : IGrainWithIntegerKey
{
    /// <summary>Returns the name of the silo that answered.</summary>
    [Alias("Probe")]
    Task<string> ProbeAsync();
}
