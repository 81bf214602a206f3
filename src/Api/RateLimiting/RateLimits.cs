using System.Net;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Grains.Audit;
using Identity.Grains.Hosting;
using Identity.Grains.Hosting.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Api.RateLimiting;

/// <summary>What a limit applies to, and whose budget it spends.</summary>
internal enum RateLimitRule
{
    /// <summary>Per client address (each costs a password hash).</summary>
    Login,

    /// <summary>Per client address (each costs a password hash).</summary>
    Registration,

    /// <summary>Per account, and per client address from the login budget (each costs a password hash).</summary>
    PasswordChange,

    /// <summary>Per session (each is a database write).</summary>
    Refresh,

    /// <summary>Per account: logout and revoking one's sessions (each is a database write).</summary>
    SessionRevocation,

    /// <summary>Per client address: asking for a password reset, completing one, proving an address with a link (each may send mail or hash).</summary>
    AccountRecovery,

    /// <summary>Per account: changing the email, its verification mail, second factors (each is a write, some send mail).</summary>
    AccountChange,
}

/// <summary>The budgets behind every <see cref="RateLimitRule"/>; each is a token bucket on the identity clock.</summary>
internal sealed class ClientRateLimits(IOptions<RateLimitOptions> options, [FromKeyedServices(IdentityClock.Key)] TimeProvider time)
{
    private readonly TokenBuckets<IPAddress> logins = new(options.Value.LoginPerMinute, time);
    private readonly TokenBuckets<IPAddress> registrations = new(options.Value.RegistrationPerMinute, time);
    private readonly TokenBuckets<Guid> passwordChanges = new(options.Value.PasswordChangesPerMinute, time);
    private readonly TokenBuckets<Guid> refreshes = new(options.Value.RefreshesPerMinute, time);
    private readonly TokenBuckets<Guid> revocations = new(options.Value.SessionRevocationsPerMinute, time);
    private readonly TokenBuckets<IPAddress> recoveries = new(options.Value.AccountRecoveryPerMinute, time);
    private readonly TokenBuckets<Guid> accountChanges = new(options.Value.AccountChangesPerMinute, time);
    private readonly TokenBuckets<IPAddress> clientFailures = new(options.Value.ClientAuthenticationFailuresPerMinute, time);
    private readonly TokenBuckets<string> inactiveAnswers = new(options.Value.InactiveIntrospectionsPerMinute, time);

    /// <summary>Whether this address may try client credentials again (its failures are budgeted); if not, when.</summary>
    public bool MayTryClientCredentials(HttpContext context, out TimeSpan retryAfter) => !clientFailures.IsEmpty(context.ClientAddress(), out retryAfter);

    public void RecordClientAuthenticationFailure(HttpContext context) => clientFailures.Spend(context.ClientAddress());

    /// <summary>Whether this introspection client has used up its inactive answers (a client fishing for tokens); if so, when one is back.</summary>
    public bool HasInactiveAnswersLeft(string clientId, out TimeSpan retryAfter) => !inactiveAnswers.IsEmpty(clientId, out retryAfter);

    public void RecordInactiveAnswer(string clientId) => inactiveAnswers.Spend(clientId);

    /// <summary>Spends from the budgets of <paramref name="rule"/>; <paramref name="subject"/> is the account or session the rule counts per.</summary>
    public bool TryAdmit(RateLimitRule rule, HttpContext context, Guid subject, out TimeSpan retryAfter) => rule switch
    {
        RateLimitRule.Login => logins.TryTake(context.ClientAddress(), out retryAfter),
        RateLimitRule.Registration => registrations.TryTake(context.ClientAddress(), out retryAfter),
        RateLimitRule.PasswordChange => passwordChanges.TryTake(subject, out retryAfter) && logins.TryTake(context.ClientAddress(), out retryAfter),
        RateLimitRule.Refresh => refreshes.TryTake(subject, out retryAfter),
        RateLimitRule.SessionRevocation => revocations.TryTake(subject, out retryAfter),
        RateLimitRule.AccountRecovery => recoveries.TryTake(context.ClientAddress(), out retryAfter),
        RateLimitRule.AccountChange => accountChanges.TryTake(subject, out retryAfter),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };
}

internal static class RateLimits
{
    public static IServiceCollection AddIdentityRateLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.TryAddKeyedSingleton(IdentityClock.Key, TimeProvider.System);
        services.AddSingleton<ClientRateLimits>();
        services.AddSingleton<FailedTokenChecks>();
        return services;
    }

    /// <summary>
    /// Admits a request only while its budgets under <paramref name="rule"/> have room; else 429 with
    /// Retry-After and a security event. Rules counted per account need an authenticated request.
    /// </summary>
    public static RouteHandlerBuilder RequireRateLimit(this RouteHandlerBuilder endpoint, RateLimitRule rule) => endpoint
        .AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var account = http.Features.Get<Authentication.CurrentSession>()?.UserId ?? Guid.Empty;
            return TryAdmit(http, rule, account, out var refusal) ? await next(invocation) : refusal;
        })
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Spends from <paramref name="rule"/>'s budgets for <paramref name="subject"/>; when refused, <paramref name="refusal"/> is the 429 to answer.</summary>
    public static bool TryAdmit(HttpContext http, RateLimitRule rule, Guid subject, out IResult refusal)
    {
        if (http.RequestServices.GetRequiredService<ClientRateLimits>().TryAdmit(rule, http, subject, out var retryAfter))
        {
            refusal = null!;
            return true;
        }

        http.RequestServices.GetRequiredService<SecurityEvents>().Throttled(rule.ToString(), rule == RateLimitRule.Refresh ? subject : null, http.GetClientContext());
        refusal = Problems.TooManyAttempts(http, retryAfter);
        return false;
    }
}
