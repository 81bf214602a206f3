using System.Text.Json;
using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Sessions;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.Users;
using Identity.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Identity.Api.Features.Passkeys;

/// <param name="Credential">The browser's new credential: <c>PublicKeyCredential.toJSON()</c> of what <c>navigator.credentials.create</c> returned for the options.</param>
/// <param name="Name">What to call it in the account's list ("Work laptop"); default "Passkey N".</param>
public sealed record RegisterPasskeyRequest(JsonElement? Credential, string? Name = null);

/// <param name="RecoveryCodes">Ten single-use codes, shown this once, when the account had none.</param>
public sealed record PasskeyAddedResponse(PasskeySummary Passkey, IReadOnlyList<string>? RecoveryCodes)
{
    public override string ToString() => $"PasskeyAddedResponse {{ Passkey = {Passkey.Id}, recovery codes redacted }}";
}

/// <param name="Credential">The browser's credential: <c>PublicKeyCredential.toJSON()</c> of what <c>navigator.credentials.get</c> returned for the options.</param>
/// <param name="DeviceToken">As for <c>POST /v1/sessions</c>.</param>
public sealed record PasskeySignInRequest(JsonElement? Credential, string? DeviceToken = null, string? Audience = null, string? Scope = null);

/// <param name="Ticket">The <c>secondFactorTicket</c> of the sign-in's 202 answer.</param>
public sealed record PasskeyChallengeRequest(string? Ticket);

/// <summary>
/// Passkeys (WebAuthn, verified by the Fido2 library in the user grain): the account's owner adds
/// and removes them (<c>/v1/users/me/passkeys</c>); one signs in alone
/// (<c>/v1/sessions/passkey</c>), completes a password sign-in, or re-authenticates. Options are
/// JSON for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c> / <c>parseRequestOptionsFromJSON</c>;
/// credentials come back as <c>PublicKeyCredential.toJSON()</c>.
/// </summary>
internal static class PasskeysApi
{
    public static IEndpointRouteBuilder MapPasskeysApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/v1/users/me/passkeys").WithTags("Second factors").AllowBrowserOrigins().RequireSession();
        me.MapPost("/options", BeginRegistrationAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("BeginPasskeyRegistration")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("WebAuthn options to make a passkey (navigator.credentials.create). Needs a recent authentication.");
        me.MapPost("/", RegisterAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("RegisterPasskey")
            .WithSummary("Keep the passkey the browser made for the options; answers the account's recovery codes the first time.");
        me.MapDelete("/{passkeyId}", RemoveAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("RemovePasskey")
            .AnswersProblems(StatusCodes.Status404NotFound)
            .WithSummary("Remove a passkey. Needs a recent authentication.");

        var sessions = routes.MapGroup("/v1/sessions").WithTags("Sessions").AllowBrowserOrigins();
        sessions.MapPost("/passkey/options", PasswordlessOptions)
            .RequireRateLimit(RateLimitRule.Login)
            .WithName("PasskeySignInOptions")
            .WithSummary("WebAuthn options to sign in with a passkey alone (navigator.credentials.get, any passkey of this site).");
        sessions.MapPost("/passkey", SignInAsync)
            .RequireRateLimit(RateLimitRule.Login)
            .WithName("PasskeySignIn")
            .AnswersProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Sign in with a passkey alone; answers as POST /v1/sessions does.");
        sessions.MapPost("/second-factor/passkey-options", SecondFactorOptionsAsync)
            .RequireRateLimit(RateLimitRule.Login)
            .WithName("PasskeySecondFactorOptions")
            .AnswersProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("WebAuthn options to complete a sign-in that answered 202 with one of the account's passkeys.");
        sessions.MapPost("/current/passkey-options", StepUpOptionsAsync)
            .RequireSession()
            .RequireRateLimit(RateLimitRule.PasswordChange)
            .WithName("PasskeyReauthenticationOptions")
            .AnswersProblems(StatusCodes.Status404NotFound)
            .WithSummary("WebAuthn options to re-authenticate (POST /v1/sessions/current/reauthenticate) with one of the account's passkeys.");
        return routes;
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> BeginRegistrationAsync(CurrentSession session, IGrainFactory grains, IOptions<PasskeyOptions> options)
    {
        if (await grains.GetGrain<IUserGrain>(session.UserId).BeginPasskeyRegistrationAsync() is not { } json)
        {
            return Problems.Conflict("passkey", $"The account already has {options.Value.MaxPerAccount} passkeys: remove one first.");
        }

        return Options(json);
    }

    private static async Task<Results<Created<PasskeyAddedResponse>, ValidationProblem>> RegisterAsync(
        RegisterPasskeyRequest request, CurrentSession session, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        if (request.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return Problems.Validation("credential", "Required: the browser's credential, PublicKeyCredential.toJSON().");
        }

        var result = await grains.GetGrain<IUserGrain>(session.UserId).CompletePasskeyRegistrationAsync(credential.GetRawText(), request.Name);
        if (result is not PasskeyRegistration.Added added)
        {
            return Problems.Validation("credential", ((PasskeyRegistration.Refused)result).Reason);
        }

        notices.SecondFactorChanged(added.Email, added.Username, $"A passkey (“{added.Passkey.Name}”) was added", http.GetClientContext());
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created((string?)null, new PasskeyAddedResponse(added.Passkey, added.RecoveryCodes));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(string passkeyId, CurrentSession session, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        var removal = await grains.GetGrain<IUserGrain>(session.UserId).RemovePasskeyAsync(passkeyId);
        if (!removal.Removed)
        {
            return Problems.NotFound("The account has no passkey with that id.");
        }

        notices.SecondFactorChanged(removal.Email, removal.Username, "A passkey was removed", http.GetClientContext());
        return TypedResults.NoContent();
    }

    private static Ok<JsonElement> PasswordlessOptions(PasskeyCeremonies ceremonies) =>
        Options(ceremonies.PasswordlessOptions().ToJson());

    private static async Task<Results<Created<TokenResponse>, Accepted<SecondFactorChallengeResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        PasskeySignInRequest request, HttpContext http, IGrainFactory grains, IOptions<IntrospectionOptions> clients)
    {
        var errors = new Dictionary<string, string[]>();
        var grant = TokenGrants.Read(request.Audience, request.Scope, clients.Value, errors);
        if (request.Credential is not { ValueKind: JsonValueKind.Object })
        {
            errors["credential"] = ["Required: the browser's credential, PublicKeyCredential.toJSON()."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var json = request.Credential!.Value.GetRawText();
        if (!PasskeyCeremonies.TryPeek(json, out _, out var owner) || owner is not { } userId)
        {
            // No user handle to find the account by: not a passkey of this site's accounts.
            return Problems.InvalidCredentials();
        }

        var result = await grains.GetGrain<IUserGrain>(userId).SignInWithPasskeyAsync(json, http.GetClientContext(), request.DeviceToken, grant);
        return SessionsApi.AnswerSignIn(result, http, Problems.InvalidCredentials);
    }

    private static async Task<Results<Ok<JsonElement>, ValidationProblem, ProblemHttpResult>> SecondFactorOptionsAsync(PasskeyChallengeRequest request, IGrainFactory grains)
    {
        if (string.IsNullOrEmpty(request.Ticket))
        {
            return Problems.Validation("ticket", "Required: the secondFactorTicket of the sign-in's 202 answer.");
        }

        if (!AccountTicket.TryRead(request.Ticket, AccountTicket.SecondFactor, out var userId, out var secret)
            || await grains.GetGrain<IUserGrain>(userId).GetPasskeyAssertionOptionsAsync(secret) is not { } json)
        {
            return Problems.SecondFactorRejected();
        }

        return Options(json);
    }

    /// <summary>WebAuthn options (JSON the grid or Fido2 wrote) as the answer's body.</summary>
    private static Ok<JsonElement> Options(string json)
    {
        using var document = JsonDocument.Parse(json);
        return TypedResults.Ok(document.RootElement.Clone());
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> StepUpOptionsAsync(CurrentSession session, IGrainFactory grains) =>
        await grains.GetGrain<IUserGrain>(session.UserId).GetPasskeyAssertionOptionsAsync(null) is { } json
            ? Options(json)
            : Problems.NotFound("The account has no passkey.");
}
