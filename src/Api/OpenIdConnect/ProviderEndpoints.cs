using System.Collections.Immutable;
using System.Security.Claims;
using Identity.Api.Grid;
using Identity.Api.Http;
using Identity.Api.Pages;
using Identity.Api.Pages.Components;
using Identity.Contracts.Sessions;
using Identity.Contracts.Users;
using Identity.Grains.OAuth;
using Identity.Grains.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using OidcErrors = OpenIddict.Abstractions.OpenIddictConstants.Errors;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// The OpenID Connect endpoints whose decisions are the grid's (OpenIddict parses and validates
/// each request first, and writes each answer): who is signed in and what they allow
/// (authorize), which session answers a token request (token), what the user info says, and
/// which sessions a sign-out ends.
/// </summary>
internal static class ProviderEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/endsession";
    public const string RevocationPath = "/connect/revoke";
    public const string DevicePath = "/connect/device";
    public const string VerifyPath = "/connect/verify";

    private const string Scheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static IEndpointRouteBuilder MapProviderEndpoints(this IEndpointRouteBuilder routes)
    {
        var connect = routes.MapGroup(string.Empty).ExcludeFromDescription().DisableAntiforgery();
        connect.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        connect.MapPost(TokenPath, ExchangeAsync);
        connect.MapMethods(UserInfoPath, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync);
        connect.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], EndSessionAsync);
        connect.MapMethods(VerifyPath, [HttpMethods.Get, HttpMethods.Post], VerifyAsync);
        return routes;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, IAntiforgery antiforgery, IGrainFactory grains, ClientDirectory clients, ScopeDirectory apiScopes)
    {
        if (ErrorPage(http) is { } error)
        {
            return error;
        }

        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle the authorization request.");
        if (HttpMethods.IsPost(http.Request.Method) && !await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, "Sign in");
        }

        var user = await PageSignIn.CurrentAsync(http);
        if (user is null || (request.HasPromptValue(PromptValues.Login) && !HttpMethods.IsPost(http.Request.Method)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(OidcErrors.LoginRequired, "The user is not signed in.");
            }

            if (user is not null)
            {
                // prompt=login: sign in again, then come back without the prompt (else it would loop).
                await PageSignIn.SignOutAsync(http);
            }

            var back = http.Request.PathBase + http.Request.Path + QueryString.Create(RequestParameters(request).Where(p => p.Key != Parameters.Prompt).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
            return TypedResults.Redirect($"{HostedPages.LoginPath}?returnUrl={Uri.EscapeDataString(back)}");
        }

        // OpenIddict checked the client a moment ago; an operator may have removed it since.
        if (await clients.FindAsync(request.ClientId!) is not { } client)
        {
            return Refuse(OidcErrors.InvalidClient, "The client is not registered.");
        }

        var decision = HttpMethods.IsPost(http.Request.Method) ? http.Request.Form["decision"].ToString() : null;
        if (decision == "deny")
        {
            return Refuse(OidcErrors.AccessDenied, "The user did not allow the application.");
        }

        var users = grains.GetGrain<IUserGrain>(user.UserId);
        var scopes = request.GetScopes();
        if (decision == "allow" && !client.FirstParty)
        {
            await users.ConsentAsync(client.ClientId, [.. scopes]);
        }
        else if ((!client.FirstParty || request.HasPromptValue(PromptValues.Consent))
            && (request.HasPromptValue(PromptValues.Consent) || !await users.HasConsentedAsync(client.ClientId, [.. scopes])))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(OidcErrors.ConsentRequired, "The user has not allowed the application yet.");
            }

            return HostedPages.Render<ConsentPage>(http, new Dictionary<string, object?>
            {
                ["ClientName"] = client.DisplayName ?? client.ClientId,
                ["Username"] = user.Username,
                ["Scopes"] = DescribeScopes(scopes, await apiScopes.ScopesAsync()),
                ["Action"] = AuthorizePath,
                ["Fields"] = RequestParameters(request),
            });
        }

        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.UserId.ToString("D"))
            .SetClaim(GridSessionTokens.SignInSessionClaim, user.SessionId.ToString("D"));
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes);
        principal.SetResources(ResourcesOf(scopes, await apiScopes.ScopesAsync()));
        // Nothing of this goes into a token a client reads: the code carries it to the exchange, which writes the claims.
        return TypedResults.SignIn(principal, authenticationScheme: Scheme);
    }

    private static async Task<IResult> ExchangeAsync(HttpContext http, IGrainFactory grains, SessionGrains sessions, TokenAuthenticator tokens, ClientDirectory clients, ScopeDirectory apiScopes, IOptionsMonitor<OpenIdConnectOptions> options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle the token request.");
        var presented = (await http.AuthenticateAsync(Scheme)).Principal;
        IssuedTokens issued;
        if (request.IsAuthorizationCodeGrantType() || request.IsDeviceCodeGrantType())
        {
            if (!Guid.TryParse(presented?.GetClaim(Claims.Subject), out var userId)
                || !Guid.TryParse(presented.GetClaim(GridSessionTokens.SignInSessionClaim), out var signInSession))
            {
                return Refuse(OidcErrors.InvalidGrant, "The authorization code is not valid.");
            }

            var grant = new TokenGrant(SingleOrNull(presented.GetResources()), JoinOrNull(presented.GetScopes()), request.ClientId);
            var started = await grains.GetGrain<IUserGrain>(userId).StartDelegatedSessionAsync(signInSession, http.GetClientContext(), grant);
            if (started is null)
            {
                return Refuse(OidcErrors.InvalidGrant, "The sign-in that issued this code has ended.");
            }

            issued = started;
            if (Guid.TryParse(presented.GetTokenId(), out var codeId))
            {
                // So that presenting this code again ends the session it started (GridSessionTokens.EndSessionOfReplayedCode).
                await grains.GetGrain<IOAuthTokenGrain>(codeId).LinkSessionAsync(started.SessionId);
            }
        }
        else if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the client; the service's own session answers.
            var grant = new TokenGrant(SingleOrNull([.. ResourcesOf(request.GetScopes(), await apiScopes.ScopesAsync())]), JoinOrNull(request.GetScopes()), request.ClientId);
            issued = await grains.GetGrain<IServiceClientGrain>(request.ClientId!).StartSessionAsync(http.GetClientContext(), grant);
        }
        else if (request.IsRefreshTokenGrantType())
        {
            if (!tokens.TryRead(request.RefreshToken, TokenKind.Refresh, out var refresh)
                || await sessions.Get(refresh.SessionId).RefreshAsync(refresh.Digest, refresh.Generation, http.GetClientContext()) is not RefreshResult.Rotated rotated)
            {
                return Refuse(OidcErrors.InvalidGrant, "The refresh token is not active.");
            }

            issued = rotated.Tokens;
        }
        else
        {
            return Refuse(OidcErrors.UnsupportedGrantType, "This grant type is not supported.");
        }

        var session = await sessions.Get(issued.SessionId).GetViewAsync();
        if (session is null)
        {
            return Refuse(OidcErrors.InvalidGrant, "The session has ended.");
        }

        var client = await clients.FindAsync(request.ClientId!);
        var jwtAccessToken = client?.AccessTokenFormat == AccessTokenFormat.Jwt;
        // The profile only for the email claim: a refresh without the email scope reads nothing more.
        var profile = !session.IsService && session.Scope?.Split(' ').Contains(Scopes.Email) == true
            ? await grains.GetGrain<IUserGrain>(session.UserId).GetProfileAsync()
            : null;
        var principal = GridSessionTokens.ClaimsOf(session);
        principal.SetResources(session.IsService ? ResourcesOf(request.GetScopes(), await apiScopes.ScopesAsync()) : presented?.GetResources() ?? []);
        AddIdentityClaims((ClaimsIdentity)principal.Identity!, session, profile);
        principal.SetAccessTokenLifetime(jwtAccessToken ? options.CurrentValue.JwtAccessTokenLifetime : issued.AccessTokenExpiresAt - issued.IssuedAt);
        principal.SetRefreshTokenLifetime(session.ExpiresAt - issued.IssuedAt);
        GridSessionTokens.Issue(http, issued, jwtAccessToken);
        return TypedResults.SignIn(principal, authenticationScheme: Scheme);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, IGrainFactory grains)
    {
        var principal = (await http.AuthenticateAsync(Scheme)).Principal;
        if (!Guid.TryParse(principal?.GetClaim(Claims.Subject), out var userId)
            || await grains.GetGrain<IUserGrain>(userId).GetProfileAsync() is not { } profile)
        {
            return TypedResults.Challenge(
                authenticationSchemes: [Scheme],
                properties: new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = OidcErrors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token is not active.",
                }));
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = userId.ToString("D") };
        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.PreferredUsername] = profile.Username;
        }

        if (principal.HasScope(Scopes.Email) && profile.Email is { } email)
        {
            // The account's address is always a proven one (an unproven address waits apart: PendingEmail).
            claims[Claims.Email] = email;
            claims[Claims.EmailVerified] = true;
        }

        return TypedResults.Ok(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http, IAntiforgery antiforgery, SessionGrains sessions, ClientDirectory clients)
    {
        if (ErrorPage(http) is { } error)
        {
            return error;
        }

        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle the end-session request.");
        if (!HttpMethods.IsPost(http.Request.Method) || http.Request.Form["decision"] != "sign-out")
        {
            var client = request.ClientId is { } id ? await clients.FindAsync(id) : null;
            return HostedPages.Render<SignOutPage>(http, new Dictionary<string, object?>
            {
                ["ClientName"] = client?.DisplayName ?? client?.ClientId,
                ["Action"] = EndSessionPath,
                ["Fields"] = RequestParameters(request),
            });
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, "Sign out");
        }

        // The client's own session (named by the ID token it sent), then the browser's.
        var hint = (await http.AuthenticateAsync(Scheme)).Principal;
        if (Guid.TryParse(hint?.GetClaim(GridSessionTokens.SessionIdClaim), out var clientSession))
        {
            await sessions.Get(clientSession).RevokeAsync(SessionEndReason.Logout);
        }

        if (await PageSignIn.CurrentAsync(http) is { } user)
        {
            await sessions.Get(user.SessionId).RevokeAsync(SessionEndReason.Logout);
            await PageSignIn.SignOutAsync(http);
        }

        // OpenIddict sends the browser to the validated post_logout_redirect_uri, else here.
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = SignedOutPath }, [Scheme]);
    }

    public const string SignedOutPath = "/account/signed-out";

    /// <summary>
    /// RFC 8628's user side: the signed-in user enters the code a TV shows (or follows the link
    /// with it), sees which application asks for what, and allows or denies. A code that is wrong
    /// or expired gets the entry form again, with the same answer for both.
    /// </summary>
    private static async Task<IResult> VerifyAsync(HttpContext http, IAntiforgery antiforgery, ClientDirectory clients, ScopeDirectory apiScopes)
    {
        var request = http.GetOpenIddictServerRequest();
        var isPost = HttpMethods.IsPost(http.Request.Method);
        if (isPost && !await antiforgery.IsRequestValidAsync(http))
        {
            return HostedPages.FormExpired(http, "Connect a device");
        }

        var user = await PageSignIn.CurrentAsync(http);
        if (user is null)
        {
            var back = VerifyPath + (request?.UserCode is { Length: > 0 } code ? QueryString.Create("user_code", code).ToString() : string.Empty);
            return TypedResults.Redirect($"{HostedPages.LoginPath}?returnUrl={Uri.EscapeDataString(back)}");
        }

        // A user code OpenIddict resolved names its client; a wrong or expired one gives a principal without.
        var presented = (await http.AuthenticateAsync(Scheme)).Principal;
        var clientId = presented?.GetClaim(Claims.ClientId);
        var hasCode = !string.IsNullOrEmpty(request?.UserCode);
        if (http.GetOpenIddictServerResponse() is { Error: not null } || (hasCode && string.IsNullOrEmpty(clientId)))
        {
            return HostedPages.Render<DevicePage>(http, new Dictionary<string, object?>
            {
                ["Action"] = VerifyPath,
                ["Error"] = "That code is not right, or it has expired. Check the code on your device's screen and try again.",
            }, StatusCodes.Status400BadRequest);
        }

        if (!hasCode || presented is null || clientId is null)
        {
            return HostedPages.Render<DevicePage>(http, new Dictionary<string, object?> { ["Action"] = VerifyPath });
        }

        var client = await clients.FindAsync(clientId);
        var decision = isPost ? http.Request.Form["decision"].ToString() : null;
        if (decision == "deny")
        {
            return TypedResults.Forbid(authenticationSchemes: [Scheme], properties: new AuthenticationProperties { RedirectUri = DeviceDonePath + "?result=denied" });
        }

        if (decision != "allow")
        {
            return HostedPages.Render<DevicePage>(http, new Dictionary<string, object?>
            {
                ["Action"] = VerifyPath,
                ["UserCode"] = request!.UserCode,
                ["ClientName"] = client?.DisplayName ?? clientId,
                ["Username"] = user.Username,
                ["Scopes"] = DescribeScopes(presented.GetScopes(), await apiScopes.ScopesAsync()),
            });
        }

        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.UserId.ToString("D"))
            .SetClaim(GridSessionTokens.SignInSessionClaim, user.SessionId.ToString("D"));
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(presented.GetScopes());
        principal.SetResources(ResourcesOf(presented.GetScopes(), await apiScopes.ScopesAsync()));
        return TypedResults.SignIn(principal, new AuthenticationProperties { RedirectUri = DeviceDonePath + "?result=allowed" }, Scheme);
    }

    public const string DeviceDonePath = "/account/device-done";

    /// <summary>
    /// Codes typed by people are guessable in principle: each attempt to enter one (and each new
    /// device authorization, which writes two entries) spends from the sign-in budget of the
    /// caller's address, before OpenIddict looks anything up.
    /// </summary>
    public static async Task ThrottleCodeEntryAsync(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path;
        var guessing = path.Equals(DevicePath, StringComparison.Ordinal)
            || (path.Equals(VerifyPath, StringComparison.Ordinal)
                && (http.Request.Query.ContainsKey(Parameters.UserCode)
                    || (http.Request.HasFormContentType && (await http.Request.ReadFormAsync(http.RequestAborted)).ContainsKey(Parameters.UserCode))));
        if (guessing && !Identity.Api.RateLimiting.RateLimits.TryAdmit(http, Identity.Api.RateLimiting.RateLimitRule.Login, Guid.Empty, out var refusal))
        {
            await refusal.ExecuteAsync(http);
            return;
        }

        await next(http);
    }

    /// <summary>A request OpenIddict refused without a client to send the browser back to: a page saying why.</summary>
    private static IResult? ErrorPage(HttpContext http) =>
        http.GetOpenIddictServerResponse() is { Error: { } error } response
            ? HostedPages.Render<MessagePage>(
                http,
                HostedPages.Message("Something is wrong with this request", $"The application sent an invalid request ({error}: {response.ErrorDescription}). Go back and try again, or tell the application's makers.", error: true),
                StatusCodes.Status400BadRequest)
            : null;

    private static void AddIdentityClaims(ClaimsIdentity identity, SessionView session, UserProfile? profile)
    {
        var scopes = identity.GetScopes();
        if (!scopes.Contains(Scopes.Profile))
        {
            identity.RemoveClaims(Claims.PreferredUsername);
        }

        if (scopes.Contains(Scopes.Email) && profile?.Email is { } email)
        {
            identity.SetClaim(Claims.Email, email).SetClaim(Claims.EmailVerified, true);
        }

        identity.SetClaim(Claims.AuthenticationTime, session.AuthenticatedAt.ToUnixTimeSeconds());
        if (AuthenticationMethods.Values(session.Amr) is { } methods)
        {
            identity.SetClaims(Claims.AuthenticationMethodReference, [.. methods]);
        }

        // The access token only matters when it is a JWT (a client validating offline): subject, session and username.
        identity.SetDestinations(static claim => claim.Type switch
        {
            Claims.Subject or GridSessionTokens.SessionIdClaim or Claims.PreferredUsername => [Destinations.IdentityToken, Destinations.AccessToken],
            Claims.AuthenticationTime or Claims.AuthenticationMethodReference or Claims.Email or Claims.EmailVerified => [Destinations.IdentityToken],
            _ => [],
        });
    }

    private static ForbidHttpResult Refuse(string error, string description) => TypedResults.Forbid(
        authenticationSchemes: [Scheme],
        properties: new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }));

    /// <summary>The request's own parameters (to carry through a form post or a sign-in redirect).</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> RequestParameters(OpenIddictRequest request) =>
        [.. request.GetParameters()
            .Where(p => p.Key != "__RequestVerificationToken" && p.Key != "decision")
            .SelectMany(p => ((StringValues)p.Value).OfType<string>().Select(v => new KeyValuePair<string, string>(p.Key, v)))];

    private static List<string> DescribeScopes(ImmutableArray<string> scopes, List<OpenIdConnectScope> apiScopes) =>
        [.. scopes.Select(scope => scope switch
        {
            Scopes.OpenId => "Know who you are",
            Scopes.Profile => "See your username",
            Scopes.Email => "See your email address",
            Scopes.OfflineAccess => "Stay signed in when you are not using it",
            _ => apiScopes.Find(s => s.Name == scope)?.DisplayName ?? scope,
        })];

    private static IEnumerable<string> ResourcesOf(ImmutableArray<string> scopes, List<OpenIdConnectScope> apiScopes) =>
        apiScopes.Where(s => scopes.Contains(s.Name)).SelectMany(s => s.Resources).Distinct(StringComparer.Ordinal);

    private static string? SingleOrNull(ImmutableArray<string> values) => values.Length == 1 ? values[0] : null;

    private static string? JoinOrNull(ImmutableArray<string> values) => values.IsDefaultOrEmpty ? null : string.Join(' ', values);
}
