using System.Text.Json;
using Identity.Contracts.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Identity.Api.Http;

/// <summary>
/// Turns every exception that reaches the edge into problem+json with the right status: bad
/// requests (malformed JSON, wrong types, oversized bodies) into 4xx naming the field, an
/// unavailable grid or store into 503 with Retry-After, anything else into a bare 500. No stack
/// traces, no exception messages from inside the grid.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    private static readonly TimeSpan ClusterRetryAfter = TimeSpan.FromSeconds(1);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }

        var problem = Describe(exception, context.Response);
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private ProblemDetails Describe(Exception exception, HttpResponse response)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                return DescribeBadRequest(bad);
            case IdentityUnavailableException unavailable:
                LogUnavailable(logger, unavailable.Reason);
                return Unavailable(response, unavailable.RetryAfter, unavailable.Message);
            case TimeoutException or OrleansException:
                LogClusterUnavailable(logger, exception);
                return Unavailable(response, ClusterRetryAfter, "The identity grid did not answer in time; try again shortly.");
            default:
                LogUnhandled(logger, exception);
                return new ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Title = "An unexpected error occurred.",
                };
        }
    }

    private static ProblemDetails DescribeBadRequest(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            var message = field.Length == 0
                ? "The request body is not valid JSON."
                : $"'{field}' has the wrong type or the JSON around it is malformed.";
            return new ValidationProblemDetails(new Dictionary<string, string[]> { [field.Length == 0 ? "body" : field] = [message] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body could not be read.",
            };
        }

        return bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "The request body is too large.",
                Detail = $"Request bodies are limited to {RequestLimits.MaxBodyBytes} bytes.",
            },
            StatusCodes.Status415UnsupportedMediaType => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "Unsupported media type.",
                Detail = "Send the body as application/json.",
            },
            _ => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = bad.StatusCode == StatusCodes.Status400BadRequest ? "A JSON body with the documented fields is required." : null,
            },
        };
    }

    private static ProblemDetails Unavailable(HttpResponse response, TimeSpan retryAfter, string detail)
    {
        response.SetRetryAfter(retryAfter);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable.",
            Detail = detail,
        };
    }

    /// <summary>"$.username" → "username"; "$" or null → "".</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return string.Empty;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request refused as unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, UnavailableReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The grid did not answer a request")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
