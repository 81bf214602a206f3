namespace Identity.Bench;

/// <summary>A grain with no state: what one activation costs Orleans itself, the floor under a session grain.</summary>
[Alias("bench.IEmptyGrain")]
public interface IEmptyGrain : IGrainWithGuidKey
{
    [Alias("Touch")]
    Task TouchAsync();
}

public sealed class EmptyGrain : Grain, IEmptyGrain
{
    public Task TouchAsync() => Task.CompletedTask;
}
