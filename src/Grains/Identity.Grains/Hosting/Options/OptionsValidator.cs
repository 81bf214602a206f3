using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Identity.Grains.Hosting.Options;

/// <summary>
/// Base for the validators of every options class: reports all failures at once, each naming its
/// configuration key (<c>Section:Key</c>), so an operator fixes a bad configuration in one round.
/// </summary>
public abstract class OptionsValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new Failures(section);
        Check(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Adds a failure for each rule <paramref name="options"/> breaks.</summary>
    protected abstract void Check(TOptions options, Failures failures);

    /// <summary>The failures found so far, each prefixed with its key.</summary>
    protected sealed class Failures(string section) : List<string>
    {
        /// <summary>Records "<c>Section:key</c> <paramref name="problem"/>" unless <paramref name="holds"/>.</summary>
        public void Unless(bool holds, string key, string problem)
        {
            if (!holds)
            {
                Add($"{section}:{key} {problem}");
            }
        }
    }
}

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts; a second call for the same options does nothing.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        // Once only: binding twice would append every list item twice.
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return services;
        }

        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>
    /// The same options, bound and validated now: for the few decisions a host makes while it is
    /// being configured (ports, which storage provider). Throws what start-up validation would.
    /// </summary>
    public static TOptions BindValidated<TOptions, TValidator>(this IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = new TValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(TOptions), result.Failures) : options;
    }
}
