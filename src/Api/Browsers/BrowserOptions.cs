using Identity.Grains.Hosting.Options;

namespace Identity.Api.Browsers;

/// <summary>
/// What browsers may do (configuration section <c>Browsers</c>): which other origins may call the
/// account and session endpoints (CORS; none by default), and whether first-party web apps may keep
/// their session in cookies instead of handling tokens (<see cref="Cookies"/>; off by default).
/// </summary>
public sealed class BrowserOptions
{
    public const string Section = "Browsers";

    /// <summary>Origins (<c>https://app.example.com</c>, exactly: scheme, host and port) allowed by CORS, without credentials.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may reuse a preflight answer (<c>Access-Control-Max-Age</c>).</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The cookie transport for first-party web apps served from the API's own origin
    /// (<c>/v1/browser/sessions</c>): tokens in HttpOnly cookies, never visible to scripts; unsafe
    /// requests carry the CSRF token (double submit) and a same-origin <c>Origin</c>.
    /// </summary>
    public bool Cookies { get; set; }
}

internal sealed class BrowserOptionsValidator() : OptionsValidator<BrowserOptions>(BrowserOptions.Section)
{
    protected override void Check(BrowserOptions options, Failures failures)
    {
        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            var origin = options.AllowedOrigins[i];
            failures.Unless(
                Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
                    && uri.GetLeftPart(UriPartial.Authority) == origin.TrimEnd('/') && !origin.Contains('*', StringComparison.Ordinal),
                $"AllowedOrigins:{i}",
                $"must be an origin: scheme, host and optional port, no path or wildcard (got '{origin}').");
        }

        failures.Unless(options.PreflightMaxAge >= TimeSpan.Zero && options.PreflightMaxAge <= TimeSpan.FromDays(1), nameof(options.PreflightMaxAge), "must be between 0 and 1 day.");
    }
}
