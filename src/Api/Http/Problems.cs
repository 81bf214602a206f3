using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Http;

/// <summary>The problem+json answers the API gives, in one place so equal failures read equally.</summary>
internal static class Problems
{
    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid.");

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>One answer for unknown user, wrong password, disabled and locked account alike.</summary>
    public static ProblemHttpResult InvalidCredentials() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid credentials.",
        detail: "The username or password is incorrect, or the account cannot sign in right now.");

    public static ProblemHttpResult InvalidRefreshToken() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid refresh token.",
        detail: "The refresh token is unknown, expired, already used or its session has ended.");

    /// <summary>429 for an address past its budget of failed token checks (<see cref="FailedTokenChecks"/>).</summary>
    public static ProblemHttpResult TooManyInvalidTokens(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.SetRetryAfter(retryAfter);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests.",
            detail: "Too many invalid tokens from this address; wait for the time in Retry-After.");
    }

    public static ProblemHttpResult Conflict(string field, string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Already taken.",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail);
}

internal static class RetryAfterExtensions
{
    /// <summary><c>Retry-After</c> in whole seconds, rounded up, at least 1.</summary>
    public static void SetRetryAfter(this HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
