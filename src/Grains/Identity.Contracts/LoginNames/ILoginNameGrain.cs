using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Orleans.Concurrency;

namespace Identity.Contracts.LoginNames;

/// <summary>
/// Maps one normalized login name (key from <see cref="LoginName.UsernameKey"/> or
/// <see cref="LoginName.EmailKey"/>) to the user that owns it. A single activation per name is
/// what makes names unique without a database query.
/// </summary>
[Alias("identity.ILoginNameGrain")]
public interface ILoginNameGrain : IGrainWithStringKey
{
    /// <summary>The owner's user id, or null when nobody owns the name.</summary>
    [AlwaysInterleave, Alias("Resolve")]
    Task<Guid?> ResolveAsync();

    /// <summary>
    /// Signs in with this name. Unknown names cost the same password-hash work as known ones, so the
    /// answer and its timing do not tell whether the account exists.
    /// </summary>
    [AlwaysInterleave, Alias("Login")]
    Task<LoginResult> LoginAsync(Password password, ClientContext client, string? deviceToken, TokenGrant grant);
}
