using Identity.Contracts.Sessions;

namespace Identity.Api.Grid;

/// <summary>
/// References to session grains for the hot path. <c>IGrainFactory.GetGrain&lt;T&gt;(Guid)</c> resolves
/// the interface's grain type by reading its attributes on every call (Orleans 10.4 does not cache
/// it): a few percent of the CPU of a token check in profiles. The types are resolved once here and
/// each reference is built from its <see cref="GrainId"/>.
/// </summary>
internal sealed class SessionGrains(IGrainFactory grains)
{
    private readonly Lazy<(GrainType Grain, GrainInterfaceType Interface)> types = new(() =>
    {
        var reference = (GrainReference)(object)grains.GetGrain<ISessionGrain>(Guid.Empty);
        return (reference.GrainId.Type, reference.InterfaceType);
    });

    public ISessionGrain Get(Guid sessionId)
    {
        var (grainType, interfaceType) = types.Value;
        return (ISessionGrain)grains.GetGrain(GrainId.Create(grainType, GrainIdKeyExtensions.CreateGuidKey(sessionId)), interfaceType);
    }
}
