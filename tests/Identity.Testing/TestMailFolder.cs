using System.Text.RegularExpressions;
using MimeKit;

namespace Identity.Testing;

/// <summary>
/// The mail of an in-process host in folder mode (the default run's: one .eml per message), in a
/// temporary folder of its own: the settings to give the host, and the messages as they arrive.
/// </summary>
internal sealed partial class TestMailFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"identity-mail-{Guid.NewGuid():N}");

    /// <summary>Host settings that send mail here, links pointing at <paramref name="linkBaseUrl"/>.</summary>
    public Dictionary<string, string?> Settings(string linkBaseUrl = "https://id.example.test") => new()
    {
        ["Email:Mode"] = "Folder",
        ["Email:Folder"] = Path,
        ["Email:LinkBaseUrl"] = linkBaseUrl,
    };

    /// <summary>Every message to <paramref name="email"/> so far.</summary>
    public List<MimeMessage> To(string email) => Directory.Exists(Path)
        ? [.. Directory.GetFiles(Path, "*.eml").Order().Select(file => MimeMessage.Load(file)).Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, email, StringComparison.OrdinalIgnoreCase)))]
        : [];

    /// <summary>The <paramref name="count"/>-th message to <paramref name="email"/> whose subject contains <paramref name="subject"/>, once it is there (bounded wait: the mailer writes in the background).</summary>
    public async Task<MimeMessage> WaitForAsync(string email, string subject, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var found = To(email).Where(m => (m.Subject ?? string.Empty).Contains(subject, StringComparison.Ordinal)).ToList();
            if (found.Count >= count)
            {
                return found[count - 1];
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No message {count} to {email} about '{subject}' within 10 s; there are: {string.Join(" | ", To(email).Select(m => m.Subject))}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>What reaches <paramref name="email"/> while the mailer drains (a bounded wait): for "nothing was sent".</summary>
    public async Task<List<MimeMessage>> SettledAsync(string email)
    {
        await Task.Delay(300);
        return To(email);
    }

    /// <summary>The ticket of the message's link (<c>?ticket=…</c>).</summary>
    public static string Ticket(MimeMessage message) => Ticket(message.TextBody ?? string.Empty);

    /// <summary>The ticket of the link in a message's plain text.</summary>
    public static string Ticket(string text) =>
        TicketPattern().Match(text) is { Success: true } match ? Uri.UnescapeDataString(match.Groups[1].Value) : throw new AssertFailedException($"No link with a ticket in: {text}");

    /// <summary>The link itself.</summary>
    public static string Link(MimeMessage message) =>
        LinkPattern().Match(message.TextBody ?? string.Empty) is { Success: true } match ? match.Value : throw new AssertFailedException($"No link in: {message.TextBody}");

    /// <summary>The verification code ("enter this code …: 123456").</summary>
    public static string Code(MimeMessage message) =>
        CodePattern().Match(message.TextBody ?? string.Empty) is { Success: true } match ? match.Groups[1].Value : throw new AssertFailedException($"No code in: {message.TextBody}");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    [GeneratedRegex(@"[?&]ticket=([A-Za-z0-9_%\-]+)")]
    private static partial Regex TicketPattern();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"code[^:\n]*: (\d{6,8})")]
    private static partial Regex CodePattern();
}
