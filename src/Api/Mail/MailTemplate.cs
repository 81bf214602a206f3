using System.Globalization;
using System.Text.Encodings.Web;

namespace Identity.Api.Mail;

/// <summary>The one layout of every message: plain text and HTML from the same paragraphs.</summary>
internal static class MailTemplate
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>One message in both forms (the HTML encoded, so nothing a user typed can become markup); <paramref name="link"/> becomes a button in HTML and a line of its own in text.</summary>
    public static MailContent Compose(string serviceName, string subject, string greeting, IReadOnlyList<string> paragraphs, (string Label, string Url)? link = null, IReadOnlyList<string>? after = null)
    {
        var trailing = after ?? [];
        var linkText = link is { } l ? $"{l.Label}:\n{l.Url}\n\n" : string.Empty;
        var text = $"{greeting}\n\n{string.Join("\n\n", paragraphs)}\n\n{linkText}{string.Concat(trailing.Select(p => p + "\n\n"))}— {serviceName}\n";
        var linkHtml = link is { } h
            ? $"""<p><a href="{Html.Encode(h.Url)}" style="display: inline-block; padding: 0.6rem 1.1rem; background: #0b57d0; color: #ffffff; border-radius: 6px; text-decoration: none;">{Html.Encode(h.Label)}</a></p><p style="color: #5a5f66; font-size: 0.9rem;">Or open this address: {Html.Encode(h.Url)}</p>"""
            : string.Empty;
        var html = $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{Html.Encode(subject)}</title></head>
            <body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36rem;">
            <p>{Html.Encode(greeting)}</p>
            {string.Concat(paragraphs.Select(p => $"<p>{Html.Encode(p)}</p>"))}
            {linkHtml}
            {string.Concat(trailing.Select(p => $"<p>{Html.Encode(p)}</p>"))}
            <p style="color: #5a5f66;">— {Html.Encode(serviceName)}</p>
            </body></html>
            """;
        return new MailContent(subject, text, html);
    }

    /// <summary>A moment as messages write it: "27 November 2026, 08:15 UTC".</summary>
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A lifetime as messages write it: "24 hours", "15 minutes".</summary>
    public static string Duration(TimeSpan span) => span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours)
        ? span.TotalHours == 1 ? "1 hour" : $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)} hours"
        : span.TotalMinutes == 1 ? "1 minute" : $"{Math.Round(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes";
}
