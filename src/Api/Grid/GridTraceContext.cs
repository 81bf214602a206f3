using Identity.Grains.Telemetry;

namespace Identity.Api.Grid;

/// <summary>
/// The grain calls a request makes carry its trace context (<see cref="TraceContext"/>), so what
/// the grains log has the request's trace id — except on the endpoints marked
/// <see cref="WithoutTraceContext{TBuilder}"/>: the token checks, whose grain call logs nothing and
/// must stay as cheap as a call can be.
/// </summary>
internal static class GridTraceContext
{
    public static TBuilder WithoutTraceContext<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(NoTraceContext.Instance);

    public static IApplicationBuilder UseGridTraceContext(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<NoTraceContext>() is null)
        {
            TraceContext.Carry();
        }

        return next(context);
    });

    private sealed class NoTraceContext
    {
        public static readonly NoTraceContext Instance = new();
    }
}
