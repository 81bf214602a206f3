using System.Net;
using System.Text.RegularExpressions;

namespace Identity.Testing;

/// <summary>
/// What a browser does with the hosted pages, without a browser: keeps the cookies (Secure ones
/// too — the test server is plain HTTP on loopback, which browsers also treat as secure), follows
/// redirects within the server, and reads and submits forms. Protocol tests use it; the real
/// browser tests (Chromium) cover rendering and scripts-off behaviour.
/// </summary>
internal sealed partial class FormBrowser(Uri baseAddress)
{
    // One client per server for every browser: no cookie container (which would not send Secure
    // cookies over HTTP, and would share cookies between browsers) and no automatic redirects.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, HttpClient> Clients = new();

    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
    private readonly HttpClient server = Clients.GetOrAdd(baseAddress, static address =>
        new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address });

    public FormBrowser(HttpClient server)
        : this(server.BaseAddress!)
    {
    }

    public HttpClient Server => server;

    public IReadOnlyDictionary<string, string> Cookies => _cookies;

    public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

    public Task<HttpResponseMessage> PostFormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) });

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await server.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                var pair = header.Split(';', 2)[0].Split('=', 2);
                if (pair[1].Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _cookies.Remove(pair[0]);
                }
                else
                {
                    _cookies[pair[0]] = pair[1];
                }
            }
        }

        return response;
    }

    /// <summary>
    /// Follows redirects while they stay on the server; returns the last response (a page) or the
    /// first redirect that leaves it (to a client's redirect URI), whose Location is then the answer.
    /// </summary>
    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && IsRedirect(response); hops++)
        {
            var location = Location(response);
            if (location.IsAbsoluteUri && location.GetLeftPart(UriPartial.Authority) != server.BaseAddress!.GetLeftPart(UriPartial.Authority))
            {
                return response;
            }

            response = await GetAsync(location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
        }

        return response;
    }

    public Uri Location(HttpResponseMessage response) => response.Headers.Location is { } location
        ? location.IsAbsoluteUri ? location : new Uri(server.BaseAddress!, location)
        : throw new InvalidOperationException($"No Location on {(int)response.StatusCode}.");

    public static bool IsRedirect(HttpResponseMessage response) => (int)response.StatusCode is 301 or 302 or 303 or 307 or 308;

    /// <summary>The first form of a page: its action and fields (hidden ones filled, as a browser sends them).</summary>
    public static (string Action, List<KeyValuePair<string, string>> Fields) ReadForm(string html)
    {
        var form = FormTag().Match(html);
        if (!form.Success)
        {
            throw new InvalidOperationException($"No form on the page:\n{html}");
        }

        var fields = new List<KeyValuePair<string, string>>();
        var end = html.IndexOf("</form>", form.Index, StringComparison.Ordinal);
        foreach (Match input in InputTag().Matches(end < 0 ? html[form.Index..] : html[form.Index..end]))
        {
            var tag = input.Value;
            var name = Attribute(tag, "name");
            if (name is not null && Attribute(tag, "type") is "hidden")
            {
                fields.Add(new(name, Attribute(tag, "value") ?? string.Empty));
            }
        }

        return (WebUtility.HtmlDecode(form.Groups["action"].Value), fields);
    }

    /// <summary>Fills and submits a page's form: its hidden fields plus <paramref name="values"/>.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(HttpResponseMessage page, params (string Name, string Value)[] values)
    {
        var (action, fields) = ReadForm(await page.Content.ReadAsStringAsync());
        fields.AddRange(values.Select(v => new KeyValuePair<string, string>(v.Name, v.Value)));
        return await PostFormAsync(action, fields);
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $@"\s{name}=""(?<value>[^""]*)""");
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value) : null;
    }

    [GeneratedRegex(@"<form[^>]*\saction=""(?<action>[^""]*)""")]
    private static partial Regex FormTag();

    [GeneratedRegex(@"<input[^>]*>")]
    private static partial Regex InputTag();
}
