using Identity.Contracts.Sessions;
using Orleans.Concurrency;

namespace Identity.Bench;

/// <summary>
/// The Orleans floor under a token check: one interleaved call to a grain keyed like a session,
/// answering a fixed session view from memory. Everything a validation does beyond this (token
/// parsing and MAC, the session's rules, authentication plumbing) is ours.
/// </summary>
[Alias("bench.IFloorGrain")]
public interface IFloorGrain : IGrainWithGuidKey
{
    [ReadOnly, Alias("Get")]
    ValueTask<SessionView> GetAsync();
}

public sealed class FloorGrain : Grain, IFloorGrain
{
    private static readonly DateTimeOffset Created = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private SessionView? view;

    public ValueTask<SessionView> GetAsync() => ValueTask.FromResult(view ??= new SessionView(
        this.GetPrimaryKey(), Guid.Parse("01a21800-b78a-73a3-a7e1-afd23d7cda7e"), "floor-user",
        Created, Created.AddDays(14), Created, Created.AddHours(1)));
}
