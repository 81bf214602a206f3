using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Identity.Grains.Audit;

/// <summary>
/// Every authentication decision as a structured event in one log category, <c>Identity.Audit</c>,
/// so operators can route it (to a SIEM, to longer retention) apart from diagnostics. Each event
/// names its outcome and reason, and the user, session and client (address, User-Agent) when
/// known; the log event's own timestamp is its time. Never a token, secret or password.
/// Grains and the HTTP edge both write here: each decision is logged where it is made, and
/// counted in <see cref="GridMetrics"/> (by outcome, reason or rule only) in the same call.
/// </summary>
public sealed partial class SecurityEvents(ILoggerFactory loggers, GridMetrics metrics)
{
    public const string Category = "Identity.Audit";
    private readonly ILogger logger = loggers.CreateLogger(Category);

    public void LoginSucceeded(Guid userId, Guid sessionId, ClientContext client)
    {
        metrics.Login("Succeeded");
        LogLoginSucceeded(logger, userId, sessionId, client.IpAddress, client.UserAgent);
    }

    /// <summary>A client got a session of its own from a signed-in owner (OpenID Connect: the code exchange).</summary>
    public void DelegatedSessionStarted(Guid userId, Guid sessionId, Guid signInSessionId, string? clientId, ClientContext client)
    {
        metrics.Login("Delegated");
        LogDelegatedSessionStarted(logger, userId, sessionId, signInSessionId, clientId, client.IpAddress, client.UserAgent);
    }

    /// <summary>A service got a session of its own with its client credentials.</summary>
    public void ServiceSessionStarted(string clientId, Guid sessionId, ClientContext client)
    {
        metrics.Login("ClientCredentials");
        LogServiceSessionStarted(logger, clientId, sessionId, client.IpAddress, client.UserAgent);
    }

    /// <summary>A refused login; <paramref name="userId"/> is null for a name no account has.</summary>
    public void LoginFailed(Guid? userId, LoginRejection reason, ClientContext client)
    {
        metrics.Login(reason.ToString());
        LogLoginFailed(logger, userId, reason, client.IpAddress, client.UserAgent);
    }

    /// <summary>The account ceiling was reached: sources without a device token are refused until <paramref name="until"/>.</summary>
    public void LockedOut(Guid userId, DateTimeOffset until, ClientContext client)
    {
        metrics.Throttled("LoginAccountCeiling");
        LogLockedOut(logger, userId, until, client.IpAddress, client.UserAgent);
    }

    /// <summary>A source (an address or a device) of <paramref name="userId"/> is slowed, or blocked, until <paramref name="until"/> for repeated failures.</summary>
    public void SourceThrottled(Guid userId, string source, DateTimeOffset until, ClientContext client)
    {
        metrics.Throttled("LoginSource");
        LogSourceThrottled(logger, userId, source, until, client.IpAddress, client.UserAgent);
    }

    public void Registered(Guid userId)
    {
        metrics.Registered();
        LogRegistered(logger, userId);
    }

    public void TokensRefreshed(Guid userId, Guid sessionId, uint generation, ClientContext client)
    {
        metrics.Refreshed("rotated");
        LogRefreshed(logger, userId, sessionId, generation, client.IpAddress, client.UserAgent);
    }

    public void RefreshTokenReused(Guid userId, Guid sessionId, uint presented, uint current, ClientContext client)
    {
        metrics.Refreshed("reused");
        LogReused(logger, userId, sessionId, presented, current, client.IpAddress, client.UserAgent);
    }

    public void SessionEnded(Guid userId, Guid sessionId, SessionEndReason reason)
    {
        metrics.SessionEnded(reason.ToString());
        LogSessionEnded(logger, userId, sessionId, reason);
    }

    public void Logout(Guid userId, Guid sessionId, ClientContext client) =>
        LogLogout(logger, userId, sessionId, client.IpAddress, client.UserAgent);

    public void PasswordChanged(Guid userId, Guid sessionId, int sessionsRevoked, ClientContext client) =>
        LogPasswordChanged(logger, userId, sessionId, sessionsRevoked, client.IpAddress, client.UserAgent);

    public void PasswordChangeRefused(Guid userId, Guid sessionId, string reason, ClientContext client) =>
        LogPasswordChangeRefused(logger, userId, sessionId, reason, client.IpAddress, client.UserAgent);

    public void AccountStatusChanged(Guid userId, string status) => LogStatusChanged(logger, userId, status);

    /// <summary>
    /// The account's owner changed how it signs in or is recovered: <paramref name="change"/> names
    /// what (email verified, password reset, second factor added…), never a secret or an address.
    /// </summary>
    public void AccountChanged(Guid userId, string change) => LogAccountChanged(logger, userId, change);

    /// <summary>Every row of the account is gone: sessions, login names, the account itself.</summary>
    public void AccountErased(Guid userId) => LogAccountErased(logger, userId);

    /// <summary>An operator acted on an account through the admin API; <paramref name="operatorId"/> is the operator client's id.</summary>
    public void OperatorAction(string operatorId, string action, Guid userId, Guid? sessionId, ClientContext client) =>
        LogOperatorAction(logger, operatorId, action, userId, sessionId, client.IpAddress, client.UserAgent);

    /// <summary>An operator registered or removed an OpenID Connect client or API scope through the admin API.</summary>
    public void OperatorClientAction(string operatorId, string action, string name, ClientContext client) =>
        LogOperatorClientAction(logger, operatorId, action, name, client.IpAddress, client.UserAgent);

    public void ClientAuthenticationFailed(string endpoint, ClientContext client) =>
        LogClientAuthenticationFailed(logger, endpoint, client.IpAddress, client.UserAgent);

    /// <summary>A request refused with 429; <paramref name="sessionId"/> when the budget was a session's.</summary>
    public void Throttled(string rule, Guid? sessionId, ClientContext client)
    {
        metrics.Throttled(rule);
        LogThrottled(logger, rule, sessionId, client.IpAddress, client.UserAgent);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "login succeeded: user {UserId} session {SessionId} from {ClientAddress} ({UserAgent})")]
    private static partial void LogLoginSucceeded(ILogger logger, Guid userId, Guid sessionId, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "delegated session started: user {UserId} session {SessionId} for client {ClientId} from sign-in session {SignInSessionId} at {ClientAddress} ({UserAgent})")]
    private static partial void LogDelegatedSessionStarted(ILogger logger, Guid userId, Guid sessionId, Guid signInSessionId, string? clientId, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "service session started: client {ClientId} session {SessionId} from {ClientAddress} ({UserAgent})")]
    private static partial void LogServiceSessionStarted(ILogger logger, string clientId, Guid sessionId, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "login failed: user {UserId} reason {Reason} from {ClientAddress} ({UserAgent})")]
    private static partial void LogLoginFailed(ILogger logger, Guid? userId, LoginRejection reason, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "account ceiling reached: user {UserId} refuses clients without a device token until {LockedUntil}, after a failure from {ClientAddress} ({UserAgent})")]
    private static partial void LogLockedOut(ILogger logger, Guid userId, DateTimeOffset lockedUntil, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "login source throttled: user {UserId} source {Source} waits until {ThrottledUntil}, after a failure from {ClientAddress} ({UserAgent})")]
    private static partial void LogSourceThrottled(ILogger logger, Guid userId, string source, DateTimeOffset throttledUntil, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "registered: user {UserId}")]
    private static partial void LogRegistered(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "tokens refreshed: user {UserId} session {SessionId} generation {Generation} from {ClientAddress} ({UserAgent})")]
    private static partial void LogRefreshed(ILogger logger, Guid userId, Guid sessionId, uint generation, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "refresh token reused: user {UserId} session {SessionId} presented generation {Presented} of {Current}, session ended, from {ClientAddress} ({UserAgent})")]
    private static partial void LogReused(ILogger logger, Guid userId, Guid sessionId, uint presented, uint current, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "session ended: user {UserId} session {SessionId} reason {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, Guid userId, Guid sessionId, SessionEndReason reason);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "logout: user {UserId} session {SessionId} from {ClientAddress} ({UserAgent})")]
    private static partial void LogLogout(ILogger logger, Guid userId, Guid sessionId, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "password changed: user {UserId} session {SessionId}, {SessionsRevoked} other sessions revoked, from {ClientAddress} ({UserAgent})")]
    private static partial void LogPasswordChanged(ILogger logger, Guid userId, Guid sessionId, int sessionsRevoked, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "password change refused: user {UserId} session {SessionId} reason {Reason} from {ClientAddress} ({UserAgent})")]
    private static partial void LogPasswordChangeRefused(ILogger logger, Guid userId, Guid sessionId, string reason, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "account status changed: user {UserId} is now {Status}")]
    private static partial void LogStatusChanged(ILogger logger, Guid userId, string status);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Information, Message = "account changed: user {UserId} {Change}")]
    private static partial void LogAccountChanged(ILogger logger, Guid userId, string change);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Information, Message = "account erased: user {UserId}")]
    private static partial void LogAccountErased(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "operator {OperatorId} {Action}: {Name} from {ClientAddress} ({UserAgent})")]
    private static partial void LogOperatorClientAction(ILogger logger, string operatorId, string action, string name, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "operator {OperatorId} {Action}: user {UserId} session {SessionId} from {ClientAddress} ({UserAgent})")]
    private static partial void LogOperatorAction(ILogger logger, string operatorId, string action, Guid userId, Guid? sessionId, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "client authentication failed at {Endpoint} from {ClientAddress} ({UserAgent})")]
    private static partial void LogClientAuthenticationFailed(ILogger logger, string endpoint, string? clientAddress, string? userAgent);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning, Message = "throttled: rule {Rule} session {SessionId} from {ClientAddress} ({UserAgent})")]
    private static partial void LogThrottled(ILogger logger, string rule, Guid? sessionId, string? clientAddress, string? userAgent);
}
