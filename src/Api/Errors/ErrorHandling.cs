namespace Identity.Api.Errors;

internal static class ErrorHandling
{
    /// <summary>problem+json for every error: endpoint results, exceptions, and empty error responses (404, 405).</summary>
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Binding failures (malformed JSON, wrong types) throw, so the handler above names the field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}
