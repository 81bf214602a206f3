using System.Text.Json;
using Identity.Contracts.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Identity.Api.Errors;

/// <summary>
/// Turns every exception that reaches the edge into its problem+json (<see cref="Problems"/>):
/// bad requests (malformed JSON, wrong types, oversized bodies) into 4xx naming the field, an
/// unavailable grid or store into 503 with Retry-After, anything else into a bare 500. No stack
/// traces, no exception messages from inside the grid.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    private static readonly TimeSpan GridRetryAfter = TimeSpan.FromSeconds(1);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }

        var problem = Describe(exception, context);
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        // The exception handler cleared the response, headers included.
        Http.SecurityHeaders.Apply(context);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private ProblemDetails Describe(Exception exception, HttpContext context)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                return Problems.UnreadableRequest(bad, (bad.InnerException as JsonException) is { } json ? json.Path ?? string.Empty : null);
            case IdentityUnavailableException unavailable:
                LogUnavailable(logger, unavailable.Reason);
                return Problems.Unavailable(context, unavailable).ProblemDetails;
            case TimeoutException or OrleansException:
                LogGridUnavailable(logger, exception);
                return Problems.Unavailable(context, GridRetryAfter, "The identity grid did not answer in time; try again shortly.").ProblemDetails;
            default:
                LogUnhandled(logger, exception);
                return Problems.Unexpected().ProblemDetails;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request refused as unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, UnavailableReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The grid did not answer a request")]
    private static partial void LogGridUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
