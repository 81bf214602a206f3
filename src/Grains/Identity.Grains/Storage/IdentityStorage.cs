namespace Identity.Grains.Storage;

/// <summary>
/// Names under which grain state is persisted. Each grain type has its own state name, which the
/// storage provider stores with the row, so two grain types can never read each other's rows.
/// </summary>
public static class IdentityStorage
{
    /// <summary>The storage provider all identity grains use.</summary>
    public const string ProviderName = "identity";

    public const string UserState = "user";
    public const string LoginNameState = "login-name";
    public const string SessionState = "session";
    public const string OAuthTokenState = "oauth-token";
    public const string OAuthReferenceState = "oauth-reference";
    public const string ServiceClientState = "service-client";
    public const string ProviderRegistryState = "provider-registry";
}
