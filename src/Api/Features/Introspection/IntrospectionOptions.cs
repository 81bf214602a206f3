using Identity.Contracts.Sessions;
using Identity.Grains.Hosting.Options;
using Identity.ServiceDefaults.Authentication;

namespace Identity.Api.Features.Introspection;

/// <summary>
/// Services allowed to call <c>POST /v1/introspect</c> (and to read the detailed health report).
/// Configuration section <c>Introspection</c>; each client as <see cref="IntrospectionClient"/>.
/// </summary>
public sealed class IntrospectionOptions
{
    public const string Section = "Introspection";

    public const int MaxAudienceLength = 200;

    public List<IntrospectionClient> Clients { get; set; } = [];

    /// <summary>The audiences sign-ins may ask tokens for: those of the configured clients.</summary>
    public IReadOnlySet<string> Audiences() =>
        Clients.Select(c => c.Audience).OfType<string>().ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// An introspecting service (a resource server). With an <see cref="Audience"/>, it is restricted to
/// tokens meant for it: any other token is inactive to it, so a token leaked to one service cannot
/// be replayed at another that checks its audience. Without, it sees every token (the default).
/// </summary>
public sealed class IntrospectionClient : ConfiguredClient
{
    /// <summary>The <c>aud</c> of the tokens this client may see; also an audience sign-ins may ask for (<c>audience</c> of the login).</summary>
    public string? Audience { get; set; }
}

internal sealed class IntrospectionOptionsValidator() : OptionsValidator<IntrospectionOptions>(IntrospectionOptions.Section)
{
    protected override void Check(IntrospectionOptions options, Failures failures)
    {
        ConfiguredClient.Check(options.Clients, nameof(IntrospectionOptions.Clients), failures.Unless);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var audience = options.Clients[i].Audience;
            failures.Unless(
                audience is null || (audience.Length is > 0 and <= IntrospectionOptions.MaxAudienceLength && TokenGrant.IsScopeToken(audience)),
                $"{nameof(IntrospectionOptions.Clients)}:{i}:{nameof(IntrospectionClient.Audience)}",
                $"must be 1 to {IntrospectionOptions.MaxAudienceLength} printable ASCII characters without spaces, quotes or backslashes.");
        }
    }
}
