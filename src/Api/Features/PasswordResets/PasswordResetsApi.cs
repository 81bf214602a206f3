using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.LoginNames;
using Identity.Contracts.Passwords;
using Identity.Contracts.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Identity.Api.Features.PasswordResets;

public sealed record PasswordResetRequest(string? Email);

/// <param name="Ticket">The <c>ticket</c> of the reset mail's link.</param>
public sealed record CompletePasswordResetRequest(string? Ticket, string? NewPassword)
{
    public override string ToString() => "CompletePasswordResetRequest { secrets redacted }";
}

/// <summary>
/// A forgotten password: <c>POST /v1/password-resets</c> mails a link to a verified address and
/// answers 202 whatever the address (no account, unverified, throttled: the same answer, in about
/// the same time); <c>POST /v1/password-resets/complete</c> sets the new password with it.
/// </summary>
internal static class PasswordResetsApi
{
    public static IEndpointRouteBuilder MapPasswordResetsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/password-resets").WithTags("Password resets").AllowBrowserOrigins();
        group.MapPost("/", RequestAsync)
            .RequireRateLimit(RateLimitRule.AccountRecovery)
            .WithName("RequestPasswordReset")
            .WithSummary("Mail a reset link to the account with this verified address, if there is one. Always 202.");
        group.MapPost("/complete", CompleteAsync)
            .RequireRateLimit(RateLimitRule.AccountRecovery)
            .WithName("CompletePasswordReset")
            .WithSummary("Set a new password with the mailed link's ticket: every session of the account ends. One answer for every ticket that does not work.");
        return routes;
    }

    private static Results<Accepted, ValidationProblem> RequestAsync(PasswordResetRequest request, AccountLinks links)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > LoginName.MaxEmailLength)
        {
            return Problems.Validation("email", "Required: the account's email address.");
        }

        links.RequestPasswordReset(request.Email);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        CompletePasswordResetRequest request, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Ticket))
        {
            errors["ticket"] = ["Required: the ticket of the reset mail's link."];
        }

        if (PasswordText.FieldError(request.NewPassword) is { } newPasswordError)
        {
            errors["newPassword"] = [newPasswordError];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (!AccountTicket.TryRead(request.Ticket, AccountTicket.PasswordReset, out var userId, out var secret))
        {
            return Problems.InvalidOrExpiredLink("reset link");
        }

        var result = await grains.GetGrain<IUserGrain>(userId).ResetPasswordAsync(secret, new Password(request.NewPassword!));
        switch (result)
        {
            case PasswordResetResult.Reset reset:
                notices.PasswordReset(reset.Email, reset.Username, http.GetClientContext());
                return TypedResults.NoContent();
            case PasswordResetResult.InvalidNewPassword invalid:
                return Problems.Validation("newPassword", invalid.Error);
            default:
                return Problems.InvalidOrExpiredLink("reset link");
        }
    }
}
