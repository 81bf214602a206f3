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
        [typeof(SecondFactorRequest)] = () => new JsonObject { ["ticket"] = "<the secondFactorTicket of the login's 202 answer>", ["code"] = "492039" },
        [typeof(ReauthenticateRequest)] = () => new JsonObject { ["password"] = "correct horse battery staple", ["code"] = "492039" },
        [typeof(Features.Email.ChangeEmailRequest)] = () => new JsonObject { ["email"] = "ada@example.org" },
        [typeof(Features.Email.VerifyEmailCodeRequest)] = () => new JsonObject { ["code"] = "381604" },
        [typeof(Features.Email.VerifyEmailLinkRequest)] = () => new JsonObject { ["ticket"] = "<the ticket of the verification mail's link>" },
        [typeof(Features.PasswordResets.PasswordResetRequest)] = () => new JsonObject { ["email"] = "ada@example.com" },
        [typeof(Features.PasswordResets.CompletePasswordResetRequest)] = () => new JsonObject { ["ticket"] = "<the ticket of the reset mail's link>", ["newPassword"] = "a longer and better passphrase" },
        [typeof(Features.SecondFactors.ConfirmTotpRequest)] = () => new JsonObject { ["code"] = "492039" },
        [typeof(Features.Passkeys.RegisterPasskeyRequest)] = () => new JsonObject { ["credential"] = Credential("attestationObject"), ["name"] = "Work laptop" },
        [typeof(Features.Passkeys.PasskeySignInRequest)] = () => new JsonObject { ["credential"] = Credential("authenticatorData") },
        [typeof(Features.Passkeys.PasskeyChallengeRequest)] = () => new JsonObject { ["ticket"] = "<the secondFactorTicket of the login's 202 answer>" },
    };

    /// <summary>The shape of <c>PublicKeyCredential.toJSON()</c>, its values elided.</summary>
    private static JsonObject Credential(string part) => new()
    {
        ["id"] = "<credential id>",
        ["rawId"] = "<credential id>",
        ["type"] = "public-key",
        ["response"] = new JsonObject { ["clientDataJSON"] = "<base64url>", [part] = "<base64url>" },
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
