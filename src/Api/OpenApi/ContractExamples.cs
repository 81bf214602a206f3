using System.Text.Json.Nodes;
using Identity.Api.Features.Sessions;
using Identity.Api.Features.Users;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Identity.Api.OpenApi;

/// <summary>An example for each request body, so the reference page and generated docs show a working call.</summary>
internal sealed class ContractExamples : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, Func<JsonNode>> Examples = new()
    {
        [typeof(RegisterUserRequest)] = () => new JsonObject { ["username"] = "ada", ["password"] = "correct horse battery staple", ["email"] = "ada@example.com" },
        [typeof(LoginRequest)] = () => new JsonObject { ["username"] = "ada", ["password"] = "correct horse battery staple" },
        [typeof(RefreshRequest)] = () => new JsonObject { ["refreshToken"] = "<the refreshToken of the last login or refresh answer>" },
        [typeof(ChangePasswordRequest)] = () => new JsonObject { ["currentPassword"] = "correct horse battery staple", ["newPassword"] = "a longer and better passphrase" },
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is null && Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [example()];
        }

        return Task.CompletedTask;
    }
}
