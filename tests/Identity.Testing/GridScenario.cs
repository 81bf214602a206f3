using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;

namespace Identity.Testing;

/// <summary>Short ways to reach a state through the grains' own contracts.</summary>
internal static class GridScenario
{
    public const string Password = "correct horse battery staple";

    public static string UniqueName(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Registers an account; an <paramref name="email"/> is proven at once with the registration's code unless <paramref name="proveEmail"/> is false.</summary>
    public static async Task<Guid> RegisterAsync(IGrainFactory grains, string username, string password = Password, string? email = null, bool proveEmail = true)
    {
        var result = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).RegisterAsync(new Registration(username, email, new Password(password)));
        if (result is not RegistrationResult.Registered registered)
        {
            throw new InvalidOperationException($"Registration of {username} failed: {result}");
        }

        if (proveEmail && registered.Verification is { } verification
            && await grains.GetGrain<IUserGrain>(registered.UserId).VerifyEmailAsync(verification.Code, isCode: true) is not EmailVerificationResult.Verified)
        {
            throw new InvalidOperationException($"The address of {username} could not be proven.");
        }

        return registered.UserId;
    }

    /// <summary>
    /// Proves the address waiting on <paramref name="userId"/> through the grain's own contract (a new
    /// code, then that code), as the owner would with the mailed one: for tests about what comes after.
    /// </summary>
    public static async Task ProveEmailAsync(IGrainFactory grains, Guid userId)
    {
        var user = grains.GetGrain<IUserGrain>(userId);
        if (await user.ResendEmailVerificationAsync() is not EmailChangeResult.Pending pending
            || await user.VerifyEmailAsync(pending.Verification.Code, isCode: true) is not EmailVerificationResult.Verified)
        {
            throw new InvalidOperationException($"The address of {userId} could not be proven.");
        }
    }

    /// <summary>The client logins come from unless a test names another.</summary>
    public static readonly ClientContext Client = new("tests", "127.0.0.1");

    public static Task<LoginResult> TryLoginAsync(IGrainFactory grains, string identifier, string password = Password, ClientContext? client = null, string? deviceToken = null, TokenGrant? grant = null)
    {
        if (!LoginName.TryGetLoginKey(identifier, out var key))
        {
            throw new ArgumentException($"'{identifier}' is not a valid login name.", nameof(identifier));
        }

        return grains.GetGrain<ILoginNameGrain>(key).LoginAsync(new Password(password), client ?? Client, deviceToken, grant ?? TokenGrant.None);
    }

    public static async Task<IssuedTokens> LoginAsync(IGrainFactory grains, string identifier, string password = Password) =>
        await TryLoginAsync(grains, identifier, password) is LoginResult.Succeeded success
            ? success.Tokens
            : throw new InvalidOperationException($"Login of {identifier} failed.");

    public static SessionToken Parse(string token, TokenKind kind) =>
        SessionToken.TryParse(token, kind, out var parsed) ? parsed : throw new ArgumentException("Not a token.", nameof(token));

    /// <summary>
    /// As the Api checks a token: a read that times out (1 s, <see cref="ISessionGrain.ReadTimeout"/>) is
    /// tried again (<see cref="Identity.Api.Grid.SafeRetry"/>), so a test machine busy with other tests
    /// does not fail a check the Api would have answered.
    /// </summary>
    public static ValueTask<SessionView?> ValidateAsync(IGrainFactory grains, string accessToken)
    {
        var token = Parse(accessToken, TokenKind.Access);
        return Identity.Api.Grid.SafeRetry.ReadAsync(
            (Grain: grains.GetGrain<ISessionGrain>(token.SessionId), token.Digest),
            static call => call.Grain.ValidateAccessTokenAsync(call.Digest),
            CancellationToken.None);
    }

    public static Task<RefreshResult> RefreshAsync(IGrainFactory grains, string refreshToken)
    {
        var token = Parse(refreshToken, TokenKind.Refresh);
        return grains.GetGrain<ISessionGrain>(token.SessionId).RefreshAsync(token.Digest, token.Generation, ClientContext.Unknown);
    }
}
