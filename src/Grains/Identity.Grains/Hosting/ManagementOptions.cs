using Identity.Grains.Hosting.Options;

namespace Identity.Grains.Hosting;

/// <summary>
/// The management listener (section <c>Management</c>): where operators' tools reach a node —
/// Prometheus scrapes <c>/metrics</c> there — on its own port, never the public API's.
/// </summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>
    /// URLs to listen on, separated by <c>;</c>, each <c>http://address:port</c> with an explicit
    /// port (for example <c>http://127.0.0.1:9464</c>; <c>http://0.0.0.0:9464</c> for a scraper on
    /// another machine). Empty: no management listener. The Api's appsettings default to port
    /// 9464, the Silo's to 9465.
    /// </summary>
    public string Urls { get; set; } = "";

    /// <summary>
    /// Serves the Orleans dashboard at <c>/dashboard</c> on the management listener, to operators
    /// only (HTTP Basic with <c>Admin:Operators</c> credentials). Off by default: it profiles every
    /// grain call, which costs the token check, and shows every grain's state.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>The URLs, parsed; empty when there is no listener.</summary>
    public IReadOnlyList<Uri> Endpoints => [.. Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => new Uri(url))];
}

public sealed class ManagementOptionsValidator() : OptionsValidator<ManagementOptions>(ManagementOptions.Section)
{
    protected override void Check(ManagementOptions options, Failures failures)
    {
        failures.Unless(!options.Dashboard || options.Endpoints.Count > 0, nameof(ManagementOptions.Dashboard), "is on but there is no management listener: set Management:Urls too.");
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            failures.Unless(
                Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/"
                    && url.Contains($":{uri.Port}", StringComparison.Ordinal) && uri.Port > 0,
                nameof(ManagementOptions.Urls),
                $"has '{url}': each URL must be http://address:port with an explicit port and no path, e.g. http://127.0.0.1:9464.");
        }
    }
}
