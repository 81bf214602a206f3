using Identity.Grains.Hosting.Options;
using Identity.ServiceDefaults.Authentication;

namespace Identity.Api.Features.Introspection;

/// <summary>
/// Services allowed to call <c>POST /v1/introspect</c> (and to read the detailed health report).
/// Configuration section <c>Introspection</c>; each client as <see cref="ConfiguredClient"/>.
/// </summary>
public sealed class IntrospectionOptions
{
    public const string Section = "Introspection";

    public List<ConfiguredClient> Clients { get; set; } = [];
}

internal sealed class IntrospectionOptionsValidator() : OptionsValidator<IntrospectionOptions>(IntrospectionOptions.Section)
{
    protected override void Check(IntrospectionOptions options, Failures failures) =>
        ConfiguredClient.Check(options.Clients, nameof(IntrospectionOptions.Clients), failures.Unless);
}
