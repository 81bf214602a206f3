namespace Identity.Api.Http;

internal static class RequestLimits
{
    /// <summary>Largest request body accepted (16 KiB): room for a 1024-character password, not for abuse.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// Refuses a declared Content-Length over the limit before reading anything. Kestrel's own
    /// MaxRequestBodySize catches chunked bodies that grow past it while being read.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        return next(context);
    });
}
