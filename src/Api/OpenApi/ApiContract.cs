using Identity.Grains.Hosting.Options;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Identity.Api.OpenApi;

/// <summary>
/// The API's contract: the OpenAPI document at <c>/openapi/v1.json</c> (checked in as
/// <c>docs/openapi/v1.json</c>; a test fails when they differ) and, where enabled, an interactive
/// reference at <c>/reference</c>. Endpoints declare what they answer (<c>ProducesProblem</c>,
/// <see cref="ContractConventions"/>); the transformers here add what is the same for all of them:
/// the document's description, its security schemes and each operation's requirement, and examples.
/// </summary>
public static class ApiContract
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddApiContract(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiReferenceOptions, ApiReferenceOptionsValidator>(ApiReferenceOptions.Section);
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer<ContractDocument>();
            options.AddOperationTransformer<ContractOperations>();
            options.AddSchemaTransformer<ContractExamples>();
        });
        return services;
    }

    public static WebApplication MapApiContract(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        var reference = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiReferenceOptions>>().Value;
        if (reference.Enabled ?? app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference("/reference", scalar => scalar
                .WithTitle(ContractDocument.Title)
                .WithOpenApiRoutePattern(DocumentPath));
        }

        return app;
    }
}

/// <summary>Whether <c>/reference</c> (the interactive API reference) is served. Section <c>ApiReference</c>.</summary>
public sealed class ApiReferenceOptions
{
    public const string Section = "ApiReference";

    /// <summary>Serve the reference page; unset: only in the Development environment.</summary>
    public bool? Enabled { get; set; }
}

internal sealed class ApiReferenceOptionsValidator() : OptionsValidator<ApiReferenceOptions>(ApiReferenceOptions.Section)
{
    // A yes/no/unset: binding already refuses anything else (as a start-up failure naming the key).
    protected override void Check(ApiReferenceOptions options, Failures failures)
    {
    }
}

/// <summary>The security schemes endpoints can require, named as in the document's <c>components.securitySchemes</c>.</summary>
public static class ContractSchemes
{
    /// <summary>A session's access token: <c>Authorization: Bearer …</c>.</summary>
    public const string Session = "session";

    /// <summary>A configured introspection client: HTTP Basic, or <c>client_id</c>/<c>client_secret</c> in the form body.</summary>
    public const string IntrospectionClient = "introspectionClient";

    /// <summary>A configured operator: HTTP Basic with the operator's id and secret.</summary>
    public const string Operator = "operator";
}

/// <summary>Endpoint metadata the transformers read: which scheme an endpoint requires.</summary>
internal sealed record ContractSecurity(string Scheme);

/// <summary>How endpoints state their part of the contract.</summary>
internal static class ContractConventions
{
    /// <summary>The endpoint requires <paramref name="scheme"/> (<see cref="ContractSchemes"/>); refused callers get 401.</summary>
    public static TBuilder RequiresScheme<TBuilder>(this TBuilder builder, string scheme)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ContractSecurity(scheme)).AnswersProblems(StatusCodes.Status401Unauthorized);

    /// <summary>The endpoint (or every endpoint of a group) can answer these statuses with problem+json.</summary>
    public static TBuilder AnswersProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(Problem(status));
        }

        return builder;
    }

    private static Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata Problem(int status) =>
        new(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]);

    /// <summary>
    /// What every endpoint of the API can answer besides its own results: 500 (a bug; the body has
    /// only a trace id) and 503 (the grid or its storage is unavailable; Retry-After says when to
    /// try again); endpoints that read a JSON body also 400 (unreadable JSON), 413 and 415.
    /// </summary>
    public static TBuilder WithCommonProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        // Finally: after the endpoint's own conventions, so what it declares itself is kept.
        builder.Finally(endpoint =>
        {
            var statuses = new List<int> { StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable };
            if (endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>().Any(a => a.ContentTypes.Contains("application/json")))
            {
                statuses.AddRange([StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType]);
            }

            var declared = endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            foreach (var status in statuses.Where(declared.Add))
            {
                endpoint.Metadata.Add(Problem(status));
            }
        });
        return builder;
    }
}

/// <summary>
/// The document as a whole: title and description, tags, security schemes, and the default run as
/// its one server (a fixed one: the checked-in copy must not depend on where it was served).
/// </summary>
internal sealed class ContractDocument : IOpenApiDocumentTransformer
{
    public const string Title = "Identity Grid API";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = Title,
            Version = "v1",
            Description = "Accounts, sessions and token checks of the Identity Grid. Errors are RFC 9457 problem+json; "
                + "a 503 carries Retry-After and means nothing was done. See README.md for the security model.",
            License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
        };
        document.Servers =
        [
            new OpenApiServer { Url = "http://localhost:5000", Description = "The default run (`dotnet run --project src/Api`); clients set their own base address." },
        ];
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Users", Description = "Creating an account, and what its owner manages: password, email address (proven by a mailed link or code) and sessions." },
            new() { Name = "Password resets", Description = "A forgotten password: a link mailed to the account's verified address. The request answers 202 whatever the address." },
            new() { Name = "Second factors", Description = "An authenticator app (TOTP) and recovery codes: once added, signing in takes a code after the password (POST /v1/sessions answers 202)." },
            new() { Name = "Sessions", Description = "Signing in, checking and refreshing tokens, signing out." },
            new() { Name = "Browser sessions", Description = "The cookie transport for first-party web apps on the API's origin (Browsers:Cookies): tokens in HttpOnly cookies, CSRF token on every change." },
            new() { Name = "Introspection", Description = "RFC 7662 token introspection and push revocation for services (resource servers)." },
            new() { Name = "Admin", Description = "Operators and support: find, disable, unlock and erase accounts; end sessions." },
        };

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas?.Remove("SseItemOfstring");
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ContractSchemes.Session] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "opaque",
                Description = "The access token of a session (login or refresh answer): `Authorization: Bearer <accessToken>`.",
            },
            [ContractSchemes.IntrospectionClient] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "A configured introspection client (`Introspection:Clients`): HTTP Basic with its id and secret, "
                    + "or `client_id` and `client_secret` in the form body instead (RFC 6749 §2.3.1).",
            },
            [ContractSchemes.Operator] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "A configured operator (`Admin:Operators`): HTTP Basic with the operator's id and secret.",
            },
        };
        return Task.CompletedTask;
    }
}

/// <summary>Each operation's security requirement, from the endpoint's <see cref="ContractSecurity"/>; none (<c>[{}]</c>) for public endpoints.</summary>
internal sealed class ContractOperations : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var security = context.Description.ActionDescriptor.EndpointMetadata.OfType<ContractSecurity>().LastOrDefault();
        // An event stream is text, not the framework's SseItem object: its events are in the operation's description.
        foreach (var response in operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>())
        {
            if (response.Content?.TryGetValue("text/event-stream", out var stream) == true)
            {
                stream.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Server-sent events (text/event-stream)." };
            }
        }

        operation.Security = security is null
            ? [new OpenApiSecurityRequirement()]
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(security.Scheme, context.Document)] = [] }];

        return Task.CompletedTask;
    }
}
