using Identity.Api.Authentication;
using Identity.Api.Browsers;
using Identity.Api.Errors;
using Identity.Api.Http;
using Identity.Api.Mail;
using Identity.Api.OpenApi;
using Identity.Api.RateLimiting;
using Identity.Contracts.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using QRCoder;

namespace Identity.Api.Features.SecondFactors;

/// <param name="Secret">The shared key in Base32, for typing into an app that cannot scan.</param>
/// <param name="OtpauthUri">The <c>otpauth://totp/…</c> URI authenticator apps read.</param>
/// <param name="QrCodeSvg">The URI as a QR code (an SVG document) to scan.</param>
public sealed record TotpEnrolmentResponse(string Secret, string OtpauthUri, string QrCodeSvg)
{
    public override string ToString() => "TotpEnrolmentResponse { secrets redacted }";
}

public sealed record ConfirmTotpRequest(string? Code)
{
    public override string ToString() => "ConfirmTotpRequest { code redacted }";
}

/// <param name="RecoveryCodes">Ten single-use codes, shown this once (present when the account had none): keep them somewhere safe.</param>
public sealed record RecoveryCodesResponse(IReadOnlyList<string>? RecoveryCodes)
{
    public override string ToString() => "RecoveryCodesResponse { codes redacted }";
}

/// <summary>
/// Second factors of the caller's account: an authenticator app (TOTP, RFC 6238) and recovery codes
/// (<c>/v1/users/me/totp</c>, <c>/v1/users/me/recovery-codes</c>). Adding, removing and replacing
/// need a recent authentication; the owner is told of each by mail.
/// </summary>
internal static class SecondFactorsApi
{
    public static IEndpointRouteBuilder MapSecondFactorsApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/v1/users/me").WithTags("Second factors").AllowBrowserOrigins().RequireSession();
        me.MapPost("/totp", BeginAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("BeginTotpEnrolment")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Start adding an authenticator app: its secret and QR code. Sign-ins ask for its codes once it is confirmed. Needs a recent authentication.");
        me.MapPost("/totp/confirm", ConfirmAsync)
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("ConfirmTotp")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Confirm the app with a first code from it; answers the account's recovery codes the first time.");
        me.MapDelete("/totp", RemoveAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("RemoveTotp")
            .AnswersProblems(StatusCodes.Status404NotFound)
            .WithSummary("Remove the authenticator app (and the recovery codes with it). Needs a recent authentication.");
        me.MapPost("/recovery-codes", RegenerateAsync)
            .RequireRecentAuthentication()
            .RequireRateLimit(RateLimitRule.AccountChange)
            .WithName("RegenerateRecoveryCodes")
            .AnswersProblems(StatusCodes.Status409Conflict)
            .WithSummary("Ten new recovery codes, shown once; the old ones stop working. Needs a recent authentication.");
        return routes;
    }

    private static async Task<Results<Ok<TotpEnrolmentResponse>, ProblemHttpResult>> BeginAsync(CurrentSession session, IGrainFactory grains, HttpContext http)
    {
        if (await grains.GetGrain<IUserGrain>(session.UserId).BeginTotpEnrolmentAsync() is not { } enrolment)
        {
            return Problems.Conflict("totp", "The account already has an authenticator app: remove it first to add another.");
        }

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new TotpEnrolmentResponse(enrolment.Secret, enrolment.Uri, QrCodeSvg(enrolment.Uri)));
    }

    /// <summary>The URI as an SVG QR code (error correction M, as authenticator apps scan from screens).</summary>
    internal static string QrCodeSvg(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        ConfirmTotpRequest request, CurrentSession session, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > 16)
        {
            return Problems.Validation("code", "Required: the 6-digit code the app shows now.");
        }

        var result = await grains.GetGrain<IUserGrain>(session.UserId).ConfirmTotpAsync(request.Code);
        switch (result)
        {
            case TotpConfirmation.Confirmed confirmed:
                notices.SecondFactorChanged(confirmed.Email, confirmed.Username, "An authenticator app was added", http.GetClientContext());
                http.Response.Headers.CacheControl = "no-store";
                return TypedResults.Ok(new RecoveryCodesResponse(confirmed.RecoveryCodes));
            case TotpConfirmation.WrongCode:
                return Problems.Validation("code", "That is not the app's current code. Check the device's clock, and enter the code it shows now.");
            default:
                return Problems.Conflict("totp", "No authenticator app is waiting to be confirmed: start again (POST /v1/users/me/totp).");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(CurrentSession session, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        var removal = await grains.GetGrain<IUserGrain>(session.UserId).RemoveTotpAsync();
        if (!removal.Removed)
        {
            return Problems.NotFound("The account has no authenticator app.");
        }

        notices.SecondFactorChanged(removal.Email, removal.Username, "The authenticator app (and the recovery codes) were removed: signing in takes only the password now", http.GetClientContext());
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> RegenerateAsync(CurrentSession session, IGrainFactory grains, HttpContext http, AccountNotices notices)
    {
        var codes = await grains.GetGrain<IUserGrain>(session.UserId).RegenerateRecoveryCodesAsync();
        if (codes.Codes is null)
        {
            return Problems.Conflict("recoveryCodes", "Recovery codes stand in for a second factor: add an authenticator app first.");
        }

        notices.SecondFactorChanged(codes.Email, codes.Username, "New recovery codes were made (the old ones no longer work)", http.GetClientContext());
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new RecoveryCodesResponse(codes.Codes));
    }
}
