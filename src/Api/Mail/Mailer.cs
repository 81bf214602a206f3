using System.Threading.Channels;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Identity.Api.Mail;

/// <summary>
/// Sends account mail without holding up the request that caused it: messages wait in a bounded
/// queue and one background worker delivers them (SMTP through MailKit, or a file per message in
/// folder mode). A delivery that fails is logged — recipient domain and reason, never the body —
/// and dropped: a notice is worth less than a login. A full queue drops the newest.
/// </summary>
internal sealed partial class Mailer(IOptionsMonitor<EmailOptions> options, ILogger<Mailer> logger) : BackgroundService
{
    internal const int QueueLength = 1000;
    private readonly Channel<MimeMessage> _queue = Channel.CreateBounded<MimeMessage>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Queues a message to <paramref name="to"/>; false when mail is off or the queue is full.</summary>
    public bool Send(string to, MailContent content)
    {
        var settings = options.CurrentValue;
        if (settings.Mode == EmailMode.Off || !MailboxAddress.TryParse(to, out var recipient))
        {
            return false;
        }

        var message = new MimeMessage { Subject = content.Subject };
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(recipient);
        message.Body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html }.ToMessageBody();
        if (!_queue.Writer.TryWrite(message))
        {
            LogQueueFull(logger, QueueLength);
            return false;
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await DeliverAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping (also right after a failed start): whatever is still queued is dropped.
        }
    }

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var settings = options.CurrentValue;
            try
            {
                if (settings.Mode == EmailMode.Smtp)
                {
                    await SendBySmtpAsync(message, settings.Smtp, stoppingToken);
                }
                else if (settings.Mode == EmailMode.Folder)
                {
                    await WriteToFolderAsync(message, settings.Folder, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogDeliveryFailed(logger, ex, RecipientDomain(message), settings.Mode);
            }
        }
    }

    private static async Task SendBySmtpAsync(MimeMessage message, SmtpSettings smtp, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(smtp.Timeout);
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security, timeout.Token);
        if (smtp.Username is not null)
        {
            await client.AuthenticateAsync(smtp.Username, smtp.Password!, timeout.Token);
        }

        await client.SendAsync(message, timeout.Token);
        await client.DisconnectAsync(quit: true, timeout.Token);
    }

    /// <summary>One <c>.eml</c> per message, written under a temporary name and then renamed, so a reader never sees half of one.</summary>
    private static long s_written;

    private static async Task WriteToFolderAsync(MimeMessage message, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        // Sorted by name is sorted by sending order (one worker writes them, one after another).
        var name = $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Interlocked.Increment(ref s_written):D8}-{Guid.NewGuid():N}";
        var partial = Path.Combine(folder, name + ".partial");
        await message.WriteToAsync(partial, cancellationToken);
        File.Move(partial, Path.Combine(folder, name + ".eml"));
    }

    private static string RecipientDomain(MimeMessage message) =>
        message.To.Mailboxes.FirstOrDefault()?.Domain ?? "?";

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "mail to a recipient at {Domain} not delivered ({Mode})")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string domain, EmailMode mode);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "mail queue full ({Length} messages): a message was dropped")]
    private static partial void LogQueueFull(ILogger logger, int length);
}

/// <summary>A message's subject, plain text and HTML.</summary>
internal sealed record MailContent(string Subject, string Text, string Html);
