using Identity.Grains.Hosting.Options;

namespace Identity.ServiceDefaults.Logging;

/// <summary>How log events are written to the console (section <c>Logging</c>, key <c>Format</c>).</summary>
public sealed class LogFormatOptions
{
    public const string Section = "Logging";

    /// <summary>
    /// <c>text</c> (default): one readable line per event, ending with the trace id when there is
    /// one. <c>json</c>: one JSON object per line (Serilog's compact format: <c>@t</c>, <c>@m</c> the message,
    /// <c>@l</c>, <c>@tr</c> trace id, <c>@sp</c> span id, <c>SourceContext</c> and every property),
    /// for a log pipeline.
    /// </summary>
    public string Format { get; set; } = Text;

    public const string Text = "text";
    public const string Json = "json";

    public bool IsJson => string.Equals(Format, Json, StringComparison.OrdinalIgnoreCase);
}

public sealed class LogFormatOptionsValidator() : OptionsValidator<LogFormatOptions>(LogFormatOptions.Section)
{
    protected override void Check(LogFormatOptions options, Failures failures) =>
        failures.Unless(
            string.Equals(options.Format, LogFormatOptions.Text, StringComparison.OrdinalIgnoreCase) || options.IsJson,
            nameof(LogFormatOptions.Format),
            $"is '{options.Format}': use '{LogFormatOptions.Text}' or '{LogFormatOptions.Json}'.");
}
