using System.Net.Sockets;
using Identity.Grains.Hosting;
using Identity.Grains.Storage.PostgreSql;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Identity.ServiceDefaults.Hosting;

/// <summary>
/// Tells start-up failures a person can fix — a setting, a port, a missing program, a database
/// that does not answer — from bugs, and says each in one line with the fix.
/// </summary>
public static class StartupFailure
{
    /// <summary>One line for a fixable start-up failure (looking through wrappers such as Orleans' lifecycle exceptions); null for anything else.</summary>
    public static string? Explain(Exception exception)
    {
        // Several options classes invalid at once: every failure, in one line.
        if (exception is AggregateException { InnerExceptions.Count: > 1 } several && several.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return Invalid(several.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
        }

        for (Exception? current = exception; current is not null; current = current is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerException : current.InnerException)
        {
            var explained = current switch
            {
                OptionsValidationException invalid => Invalid(invalid.Failures),
                NodeStartupException or IdentityDatabaseException => current.Message,
                IOException { InnerException: AddressInUseException } or AddressInUseException =>
                    $"{current.Message.TrimEnd('.')}. Another process listens there: stop it, or choose another port (ASPNETCORE_URLS or --urls for the API, Management__Urls for metrics).",
                SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } =>
                    $"a port is already in use ({current.Message}). Stop the other process or choose other ports.",
                InvalidDataException when current.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) =>
                    $"{current.Message} {current.InnerException?.Message}".Trim(),
                _ => null,
            };
            if (explained is not null)
            {
                return explained.ReplaceLineEndings(" ");
            }
        }

        return null;
    }

    private static string Invalid(IEnumerable<string> failures) =>
        $"invalid configuration: {string.Join("; ", failures)} (settings come from appsettings.json, environment variables such as Section__Key, and --Section:Key arguments).";
}
