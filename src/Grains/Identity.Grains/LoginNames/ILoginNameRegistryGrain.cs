namespace Identity.Grains.LoginNames;

/// <summary>Claiming and releasing names: only the user grain does this, so it is not in the public contracts.</summary>
[Alias("identity.ILoginNameRegistryGrain")]
public interface ILoginNameRegistryGrain : IGrainWithStringKey
{
    /// <summary>Claims the name (its normalized form is <paramref name="name"/>) for <paramref name="userId"/>; false when another account owns it.</summary>
    [Alias("Claim")]
    Task<bool> ClaimAsync(Guid userId, string name);

    /// <summary>Gives the name up if <paramref name="userId"/> owns it (a registration that did not complete).</summary>
    [Alias("Release")]
    Task ReleaseAsync(Guid userId);
}
