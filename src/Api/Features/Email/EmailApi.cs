using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Features.Email;

public sealed record ChangeEmailRequest(string? Email);

/// <param name="Code">The code from the verification mail.</param>
public sealed record VerifyEmailCodeRequest(string? Code)
{
    public override string ToString() => "VerifyEmailCodeRequest { code redacted }";
}

/// <param name="Ticket">The <c>ticket</c> of the verification mail's link.</param>
public sealed record VerifyEmailLinkRequest(string? Ticket)
{
    public override string ToString() => "VerifyEmailLinkRequest { ticket redacted }";
}

/// <param name="PendingEmail">The address waiting for its proof; a link and a code were mailed to it.</param>
public sealed record PendingEmailResponse(string PendingEmail);

/// <param name="Email">The account's verified address now.</param>
public sealed record VerifiedEmailResponse(string Email);

/// <summary>
/// Proving an address: <c>/v1/users/me/email</c> (change it, resend, prove it with the mailed code)
/// and <c>/v1/email-verifications</c> (prove it with the mailed link, no session needed). An
/// address signs in and recovers the account only once proven; the first account to prove it gets it.
/// </summary>
internal static class EmailApi
{
    public static IEndpointRouteBuilder MapEmailApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/v1/users/me/email").WithTags("Users").AllowBrowserOrigins().RequireSession();
        me.MapPut("/", ChangeAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("ChangeMyEmail")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Set a new address: it waits for its proof (a link and a code mailed to it), and replaces the old one only then. Needs a recent authentication.");
        me.MapPost("/verification", ResendAsync)
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("ResendEmailVerification")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Mail a new link and code for the waiting address (the old ones stop working).");
        me.MapPost("/verify", VerifyCodeAsync)
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("VerifyMyEmail")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Prove the waiting address with the mailed code.");

        routes.MapPost("/v1/email-verifications", VerifyLinkAsync)
            .WithTags("Users")
            .AllowBrowserOrigins()
            .RequireRateLimit(RateLimitRule.AccountRecovery)
            .WithName("VerifyEmail")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Prove an address with the ticket of the mailed link. One answer for every ticket that does not work.");
        return routes;
    }

    private static async Task<Results<Accepted<PendingEmailResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        ChangeEmailRequest request, CurrentSession session, IGrainFactory grains, AccountLinks links)
    {
        if (string.IsNullOrEmpty(request.Email))
        {
            return Problems.Validation("email", "Required.");
        }

        if (request.Email.Length > LoginName.MaxEmailLength)
        {
            return Problems.Validation("email", "Not a valid email address.");
        }

        var result = await grains.GetGrain<IUserGrain>(session.UserId).ChangeEmailAsync(request.Email);
        return Answer(result, session, links);
    }

    private static async Task<Results<Accepted<PendingEmailResponse>, ValidationProblem, ProblemHttpResult>> ResendAsync(
        CurrentSession session, IGrainFactory grains, AccountLinks links) =>
        Answer(await grains.GetGrain<IUserGrain>(session.UserId).ResendEmailVerificationAsync(), session, links);

    private static Results<Accepted<PendingEmailResponse>, ValidationProblem, ProblemHttpResult> Answer(EmailChangeResult result, CurrentSession session, AccountLinks links)
    {
        switch (result)
        {
            case EmailChangeResult.Pending pending:
                links.EmailVerification(pending.Verification, session.View.Username);
                return TypedResults.Accepted((string?)null, new PendingEmailResponse(pending.Verification.Address));
            case EmailChangeResult.Invalid invalid:
                return Problems.Validation("email", invalid.Error);
            case EmailChangeResult.Unchanged:
                return Problems.Conflict("email", "That is already the account's address.");
            case EmailChangeResult.Taken:
                return Problems.Conflict("email", "That email address belongs to another account.");
            case EmailChangeResult.NothingPending:
                return Problems.Conflict("email", "No address is waiting for its proof: set one first (PUT /v1/users/me/email).");
            default:
                throw new InvalidOperationException($"Unexpected email change result {result.GetType().Name}.");
        }
    }

    private static async Task<Results<Ok<VerifiedEmailResponse>, ValidationProblem, ProblemHttpResult>> VerifyCodeAsync(
        VerifyEmailCodeRequest request, CurrentSession session, IGrainFactory grains, HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > 32)
        {
            return Problems.Validation("code", "Required: the code from the verification mail.");
        }

        return Answer(await grains.GetGrain<IUserGrain>(session.UserId).VerifyEmailAsync(request.Code, isCode: true), http, "code");
    }

    private static async Task<Results<Ok<VerifiedEmailResponse>, ValidationProblem, ProblemHttpResult>> VerifyLinkAsync(
        VerifyEmailLinkRequest request, IGrainFactory grains, HttpContext http)
    {
        if (string.IsNullOrEmpty(request.Ticket))
        {
            return Problems.Validation("ticket", "Required: the ticket of the verification mail's link.");
        }

        if (!AccountTicket.TryRead(request.Ticket, AccountTicket.EmailVerification, out var userId, out var secret))
        {
            return Problems.InvalidOrExpiredLink("link");
        }

        return Answer(await grains.GetGrain<IUserGrain>(userId).VerifyEmailAsync(secret, isCode: false), http, "link");
    }

    /// <summary>The answer to a proof, by link or code; a change of address is told at the old one.</summary>
    private static Results<Ok<VerifiedEmailResponse>, ValidationProblem, ProblemHttpResult> Answer(EmailVerificationResult result, HttpContext http, string what)
    {
        http.RequestServices.GetRequiredService<AccountNotices>().EmailVerified(result, http.GetClientContext());
        switch (result)
        {
            case EmailVerificationResult.Verified verified:
                return TypedResults.Ok(new VerifiedEmailResponse(verified.Email));
            case EmailVerificationResult.TakenByAnotherAccount:
                return Problems.Conflict("email", "Another account proved this address first. It was removed from this account: set another one.");
            default:
                return Problems.InvalidOrExpiredLink(what);
        }
    }
}
