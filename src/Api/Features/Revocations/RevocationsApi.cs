using System.Net.ServerSentEvents;
using Identity.Api.Authentication;
using Identity.Api.Errors;
using Identity.Api.Features.Introspection;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Grains.Audit;
using Identity.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Revocations;

/// <summary>
/// <c>GET /v1/revocations</c>: push revocation for services that cache token checks (the
/// <c>Identity.Client</c> library's remote mode). A server-sent event stream, for introspection
/// clients (HTTP Basic): <c>ready</c>, then <c>ended</c> with a session id each time a session ends
/// anywhere in the grid, <c>reset</c> when revocations may have been missed (drop every cached
/// check), <c>heartbeat</c> when idle. A client holds at most <see cref="RevocationRelay.MaxListenersPerClient"/> streams per node.
/// </summary>
internal static class RevocationsApi
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddRevocationRelay(this IServiceCollection services)
    {
        // Renewals run on the wall clock (the hubs expire subscriptions by it), not the identity clock.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RevocationRelay>();
        services.AddHostedService(provider => provider.GetRequiredService<RevocationRelay>());
        return services;
    }

    public static IEndpointRouteBuilder MapRevocationsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/revocations", Stream)
            .WithoutTraceContext()
            .WithTags("Introspection")
            .WithName("StreamRevocations")
            .WithSummary("Push revocation: a server-sent event stream of the sessions that end anywhere in the grid.")
            .WithDescription("Events: `ready` (the stream is live), `ended` (data: the id of a session that ended; drop what was cached for it), "
                + "`reset` (revocations may have been missed: drop every cached check), `heartbeat` (sent after 15 s without another event). "
                + "A client holds at most 16 streams. Identity.Client's remote mode follows it.")
            .RequiresScheme(ContractSchemes.IntrospectionClient)
            .AnswersProblems(StatusCodes.Status429TooManyRequests);
        return routes;
    }

    private static Results<ServerSentEventsResult<string>, ProblemHttpResult> Stream(
        HttpContext http, IOptions<IntrospectionOptions> options, RevocationRelay relay, ClientAuthenticationGate gate)
    {
        var client = gate.Authenticate(http, options.Value.Clients, form: null, "revocations", "identity-introspection", out var refused);
        if (client is null)
        {
            return refused!;
        }

        // Taken here, before the response starts, so a client past its streams gets a 429 rather than an empty stream.
        var listener = relay.Listen(client.ClientId);
        if (listener is null)
        {
            return Problems.TooManyStreams(http, RevocationRelay.MaxListenersPerClient);
        }

        return TypedResults.ServerSentEvents(ReadAsync(listener, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> ReadAsync(RevocationRelay.Listener listener, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (listener)
        {
            await foreach (var item in listener.ReadAsync(Heartbeat, cancellationToken))
            {
                yield return item;
            }
        }
    }
}
