using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Users;

/// <summary>
/// WebAuthn's relying party: the domain passkeys are bound to and the origins whose pages may use
/// them. Configuration section <c>Passkeys</c>. A passkey made for one relying-party id never works
/// for another, so choose it once (the registrable domain the pages are served under).
/// </summary>
public sealed class PasskeyOptions
{
    public const string Section = "Passkeys";

    /// <summary>The relying-party id: a domain (no scheme or port). Default <c>localhost</c> (the default run).</summary>
    public string RelyingPartyId { get; set; } = "localhost";

    /// <summary>The name authenticators show. Default "Identity Grid".</summary>
    public string RelyingPartyName { get; set; } = "Identity Grid";

    /// <summary>The origins (scheme, host, port) of the pages that make and use passkeys. Default the default run's <c>http://localhost:5000</c>.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>How long a ceremony (the browser's prompt) may take. Default 2 minutes.</summary>
    public TimeSpan CeremonyTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Passkeys one account may hold. Default 10.</summary>
    public int MaxPerAccount { get; set; } = 10;

    /// <summary>The origins in effect: the configured ones, else the default run's.</summary>
    public IReadOnlyList<string> EffectiveOrigins => Origins.Count > 0 ? Origins : ["http://localhost:5000"];
}

public sealed class PasskeyOptionsValidator() : OptionsValidator<PasskeyOptions>(PasskeyOptions.Section)
{
    protected override void Check(PasskeyOptions o, Failures failures)
    {
        failures.Unless(
            !string.IsNullOrWhiteSpace(o.RelyingPartyId) && Uri.CheckHostName(o.RelyingPartyId) == UriHostNameType.Dns,
            nameof(o.RelyingPartyId),
            $"must be a domain name without scheme or port (got '{o.RelyingPartyId}'); WebAuthn refuses IP addresses.");
        failures.Unless(!string.IsNullOrWhiteSpace(o.RelyingPartyName), nameof(o.RelyingPartyName), "is required.");
        for (var i = 0; i < o.Origins.Count; i++)
        {
            var ok = Uri.TryCreate(o.Origins[i], UriKind.Absolute, out var origin) && origin.Scheme is "https" or "http" && origin.AbsolutePath == "/"
                && (origin.Host == o.RelyingPartyId || origin.Host.EndsWith("." + o.RelyingPartyId, StringComparison.OrdinalIgnoreCase));
            failures.Unless(ok, $"Origins:{i}", $"must be an origin (scheme://host[:port]) on {o.RelyingPartyId} or a subdomain of it (got '{o.Origins[i]}').");
        }

        failures.Unless(o.CeremonyTimeout >= TimeSpan.FromSeconds(30) && o.CeremonyTimeout <= TimeSpan.FromMinutes(10), nameof(o.CeremonyTimeout), $"must be 30 seconds to 10 minutes (got {o.CeremonyTimeout}).");
        failures.Unless(o.MaxPerAccount is >= 1 and <= 50, nameof(o.MaxPerAccount), $"must be 1 to 50 (got {o.MaxPerAccount}).");
    }
}
