using Identity.Contracts.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Identity.Api.Errors;

/// <summary>
/// Every problem+json answer the API gives, each defined once: endpoints return these, and the
/// authentication handler, the rate limits and the exception handler write them. Equal failures
/// read equally, and a title is never written twice.
/// </summary>
internal static class Problems
{
    private const string InvalidRequestTitle = "The request is not valid.";
    private const string TooManyRequestsTitle = "Too many requests.";
    private const string UnsupportedMediaTypeTitle = "Unsupported media type.";
    private const string UnavailableTitle = "Service unavailable.";

    /// <summary>The problem type of <see cref="ReauthenticationRequired"/>, for clients to tell it from other 403s.</summary>
    public const string ReauthenticationRequiredType = "urn:identity-grid:problem:reauthentication-required";

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: InvalidRequestTitle);

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>One answer for unknown user, wrong password, disabled and locked account alike.</summary>
    public static ProblemHttpResult InvalidCredentials() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid credentials.",
        detail: "The username or password is incorrect, or the account cannot sign in right now.");

    /// <summary>RFC 6750: 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>, also when no token was sent.</summary>
    public static ProblemHttpResult InvalidAccessToken(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"identity\", error=\"invalid_token\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized.",
            detail: "A valid access token is required (Authorization: Bearer <token>). It may be missing, malformed, expired or revoked.");
    }

    /// <summary>A second factor that did not complete its sign-in: wrong, expired challenge, or throttled (one answer).</summary>
    public static ProblemHttpResult SecondFactorRejected() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid second factor.",
        detail: "The code is incorrect or already used, or the sign-in waited too long: after a few wrong codes, or 5 minutes, sign in with the password again.");

    /// <summary>403 for a change that needs the session's user to have proven who they are lately (<c>Accounts:StepUpWindow</c>).</summary>
    public static ProblemHttpResult ReauthenticationRequired() => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Recent authentication required.",
        detail: "This change needs a recent sign-in: prove who you are again (POST /v1/sessions/current/reauthenticate) and retry.",
        type: ReauthenticationRequiredType);

    /// <summary>One answer for every link or code that does not work: wrong, expired, used, or for no account.</summary>
    public static ProblemHttpResult InvalidOrExpiredLink(string what) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Invalid or expired {what}.",
        detail: $"This {what} is not valid: it may be mistyped, expired or already used. Ask for a new one.");

    public static ProblemHttpResult InvalidRefreshToken() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid refresh token.",
        detail: "The refresh token is unknown, expired, already used or its session has ended.");

    /// <summary>429 for a client past its login or registration budget.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpContext http, TimeSpan retryAfter) =>
        TooManyRequests(http, retryAfter, "Too many attempts from this address; wait for the time in Retry-After.");

    /// <summary>429 for an introspection client past its budget of "inactive" answers.</summary>
    public static ProblemHttpResult TooManyInactiveIntrospections(HttpContext http, TimeSpan retryAfter) =>
        TooManyRequests(http, retryAfter, "Too many introspections of inactive tokens by this client; wait for the time in Retry-After.");

    /// <summary>429 for a session past its budget of failed token checks.</summary>
    public static ProblemHttpResult TooManyFailedTokenChecks(HttpContext http, TimeSpan retryAfter) =>
        TooManyRequests(http, retryAfter, "Too many failed checks of this session's tokens; it has ended or they are outdated. Wait for the time in Retry-After.");

    /// <summary>429 for a client holding as many revocation streams as it may.</summary>
    public static ProblemHttpResult TooManyStreams(HttpContext http, int limit) =>
        TooManyRequests(http, TimeSpan.FromSeconds(30), $"This client already holds {limit} revocation streams; close one first.");

    /// <summary>403 for a cookie-authenticated request without the CSRF token or from a foreign origin.</summary>
    public static ProblemHttpResult ForgeryCheckFailed() => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Forbidden.",
        detail: "Requests that change something and are authenticated by the session cookie need the X-CSRF-Token header (the __Host-igs-csrf cookie's value) and an allowed Origin.");

    public static ProblemHttpResult Conflict(string field, string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Already taken.",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult NotPossibleHere(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Not possible on this node.", detail: detail);

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail);

    public static ProblemHttpResult UnsupportedMediaType(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType, title: UnsupportedMediaTypeTitle, detail: detail);

    /// <summary>OAuth client authentication failed (RFC 6749 §5.2 <c>invalid_client</c>), with the Basic challenge.</summary>
    public static ProblemHttpResult InvalidClient(HttpContext http, string realm)
    {
        http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{realm}\", charset=\"UTF-8\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Client authentication failed.",
            detail: "Authenticate with HTTP Basic using a configured client id and secret.",
            extensions: new Dictionary<string, object?> { ["error"] = "invalid_client" });
    }

    /// <summary>An OAuth-style request missing a parameter (RFC 6749 §5.2 <c>invalid_request</c>).</summary>
    public static ProblemHttpResult InvalidOAuthRequest(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: InvalidRequestTitle,
        detail: detail,
        extensions: new Dictionary<string, object?> { ["error"] = "invalid_request" });

    /// <summary>503 with Retry-After: nothing was done, and the same request may succeed later.</summary>
    public static ProblemHttpResult Unavailable(HttpContext http, TimeSpan retryAfter, string detail)
    {
        http.Response.SetRetryAfter(retryAfter);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: UnavailableTitle, detail: detail);
    }

    public static ProblemHttpResult Unavailable(HttpContext http, IdentityUnavailableException unavailable) =>
        Unavailable(http, unavailable.RetryAfter, unavailable.Message);

    /// <summary>A bare 500: no exception text, no stack trace (the trace id lets operators find the log).</summary>
    public static ProblemHttpResult Unexpected() => TypedResults.Problem(
        statusCode: StatusCodes.Status500InternalServerError, title: "An unexpected error occurred.");

    /// <summary>A body that could not be read: malformed JSON (naming the field), too large, wrong media type.</summary>
    public static ProblemDetails UnreadableRequest(BadHttpRequestException bad, string? jsonPath)
    {
        if (jsonPath is not null)
        {
            var field = FieldOf(jsonPath);
            var message = field.Length == 0
                ? "The request body is not valid JSON."
                : $"'{field}' has the wrong type or the JSON around it is malformed.";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field.Length == 0 ? "body" : field] = [message] })
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
                Detail = $"Request bodies are limited to {Http.RequestLimits.MaxBodyBytes} bytes.",
            },
            StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType("Send the body as application/json.").ProblemDetails,
            _ => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = bad.StatusCode == StatusCodes.Status400BadRequest ? "A JSON body with the documented fields is required." : null,
            },
        };
    }

    private static ProblemHttpResult TooManyRequests(HttpContext http, TimeSpan retryAfter, string detail)
    {
        http.Response.SetRetryAfter(retryAfter);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: TooManyRequestsTitle, detail: detail);
    }

    /// <summary>"$.username" → "username"; "$" → "".</summary>
    private static string FieldOf(string path)
    {
        if (path.Length == 0 || path == "$")
        {
            return string.Empty;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}

internal static class RetryAfterExtensions
{
    /// <summary><c>Retry-After</c> in whole seconds, rounded up, at least 1.</summary>
    public static void SetRetryAfter(this HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
