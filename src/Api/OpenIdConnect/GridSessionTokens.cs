using System.Security.Claims;
using Identity.Api.Grid;
using Identity.Contracts.Sessions;
using Identity.Grains.Sessions;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using OidcErrors = OpenIddict.Abstractions.OpenIddictConstants.Errors;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Identity.Api.OpenIdConnect;

/// <summary>
/// Makes the provider's access and refresh tokens grid session tokens: a code exchange starts a
/// grid session for the client and answers with that session's pair; a refresh rotates it under
/// the grid's rules (an earlier refresh token ends the session); a token check is one in-memory
/// session-grain call. So everything the grid does to sessions — logout, revocation, password
/// change, disable, push revocation to services, <c>/v1/introspect</c> — applies to OAuth tokens
/// unchanged. OpenIddict still does all the protocol work: it validates requests, issues and
/// redeems the codes, signs ID tokens; these handlers only supply and recognise the two tokens.
/// </summary>
internal static class GridSessionTokens
{
    /// <summary>The grid claim naming the hosted pages' own session, which a code carries to its exchange (never put in a token a client reads).</summary>
    public const string SignInSessionClaim = "identity:signin_sid";

    public const string SessionIdClaim = "sid";

    private const string IssuedProperty = "identity:issued_tokens";

    private const string JwtAccessTokenProperty = "identity:jwt_access_token";

    /// <summary>
    /// Hands a session's fresh pair to the sign-in being answered (called by the token endpoint);
    /// with <paramref name="jwtAccessToken"/>, the access token is a signed JWT of the session instead.
    /// </summary>
    public static void Issue(HttpContext http, IssuedTokens tokens, bool jwtAccessToken = false)
    {
        var transaction = http.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction
            ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        transaction.Properties[IssuedProperty] = tokens;
        if (jwtAccessToken)
        {
            transaction.Properties[JwtAccessTokenProperty] = true;
        }
    }

    /// <summary>What a grid session's token proves, as OpenIddict's principal of that token type.</summary>
    public static ClaimsPrincipal PrincipalOf(SessionView session, string tokenType, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        var principal = ClaimsOf(session);
        principal.SetTokenType(tokenType);
        principal.SetCreationDate(issuedAt);
        principal.SetExpirationDate(expiresAt);
        return principal;
    }

    /// <summary>A session's subject, username, id, scopes, client and audience as claims.</summary>
    public static ClaimsPrincipal ClaimsOf(SessionView session)
    {
        var identity = new ClaimsIdentity(authenticationType: "identity-grid", Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, session.Subject)
            .SetClaim(SessionIdClaim, session.SessionId.ToString("D"));
        if (!session.IsService)
        {
            identity.SetClaim(Claims.PreferredUsername, session.Username);
        }
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(session.Scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []);
        if (session.ClientId is { } client)
        {
            principal.SetPresenters(client);
        }

        if (session.Audience is { } audience)
        {
            principal.SetAudiences(audience);
        }

        return principal;
    }

    public static OpenIddictServerBuilder AddGridSessionTokens(this OpenIddictServerBuilder server) => server
        .AddEventHandler(SupplyGridToken.Descriptor)
        .AddEventHandler(RequireLiveSession.Descriptor)
        .AddEventHandler(EndSessionOfReplayedCode.Descriptor)
        .RemoveEventHandler(ValidateReferenceTokenIdentifier.Descriptor)
        .AddEventHandler(RecognizeGridToken.Descriptor)
        .RemoveEventHandler(OpenIddict.Server.OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor)
        .AddEventHandler(RevokeGridSession.Descriptor);

    /// <summary>Answers with the session's pair instead of a token OpenIddict would mint and store.</summary>
    internal sealed class SupplyGridToken : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<SupplyGridToken>()
            .SetOrder(CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (context.TokenType is not (TokenTypeIdentifiers.AccessToken or TokenTypeIdentifiers.RefreshToken))
            {
                return ValueTask.CompletedTask;
            }

            if (!context.Transaction.Properties.TryGetValue(IssuedProperty, out var value) || value is not IssuedTokens issued)
            {
                // Only the token endpoint signs in with tokens, and it always starts or rotates a session first.
                throw new InvalidOperationException($"No grid session supplies the {context.TokenType} of this sign-in.");
            }

            if (context.TokenType == TokenTypeIdentifiers.AccessToken && context.Transaction.Properties.ContainsKey(JwtAccessTokenProperty))
            {
                // A client that validates offline: OpenIddict signs a JWT (not stored, not encrypted).
                context.CreateTokenEntry = false;
                context.IsReferenceToken = false;
                context.PersistTokenPayload = false;
                return ValueTask.CompletedTask;
            }

            context.Token = context.TokenType == TokenTypeIdentifiers.AccessToken ? issued.AccessToken : issued.RefreshToken;
            context.CreateTokenEntry = false;
            context.IsReferenceToken = false;
            context.PersistTokenPayload = false;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Recognises a grid access or refresh token (by its prefix and key MAC) and resolves its
    /// session; anything else is the provider's own reference token (a code), looked up as
    /// OpenIddict does. An access token must be the session's current one (the check every API
    /// call makes); a refresh token only needs a live session here — whether it is the current
    /// one, or a replay that ends the session, is decided by the rotation itself.
    /// </summary>
    internal sealed class RecognizeGridToken(TokenAuthenticator tokens, SessionGrains sessions, IOpenIddictTokenManager tokenManager)
        : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RecognizeGridToken>()
            .SetOrder(ValidateReferenceTokenIdentifier.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.Token.StartsWith(SessionToken.AccessPrefix, StringComparison.Ordinal))
            {
                if (tokens.TryRead(context.Token, TokenKind.Access, out var access)
                    && await SafeRetry.ReadAsync((sessions, access), static s => s.sessions.Get(s.access.SessionId).ValidateAccessTokenAsync(s.access.Digest), context.CancellationToken) is { } session)
                {
                    context.Principal = PrincipalOf(session, TokenTypeIdentifiers.AccessToken, session.AccessTokenIssuedAt, session.AccessTokenExpiresAt);
                    return;
                }

                Refuse(context);
                return;
            }

            if (context.Token.StartsWith(SessionToken.RefreshPrefix, StringComparison.Ordinal))
            {
                if (tokens.TryRead(context.Token, TokenKind.Refresh, out var refresh)
                    && await SafeRetry.ReadAsync((sessions, refresh), static s => s.sessions.Get(s.refresh.SessionId).GetViewAsync(), context.CancellationToken) is { } session)
                {
                    context.Principal = PrincipalOf(session, TokenTypeIdentifiers.RefreshToken, session.CreatedAt, session.ExpiresAt);
                    return;
                }

                Refuse(context);
                return;
            }

            await new ValidateReferenceTokenIdentifier(tokenManager).HandleAsync(context);
        }

        private static void Refuse(ValidateTokenContext context) => context.Reject(
            error: context.ValidTokenTypes.Contains(TokenTypeIdentifiers.RefreshToken) ? OidcErrors.InvalidGrant : OidcErrors.InvalidToken,
            description: "The token is not active.");
    }

    /// <summary>
    /// RFC 7009: revoking a grid access or refresh token ends its session (both tokens, and the
    /// session's place in the user's devices), as a logout does; the provider's own entries are
    /// revoked as OpenIddict does.
    /// </summary>
    internal sealed class RevokeGridSession(SessionGrains sessions, IOpenIddictTokenManager tokenManager) : IOpenIddictServerHandler<HandleRevocationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<RevokeGridSession>()
            .SetOrder(OpenIddict.Server.OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(HandleRevocationRequestContext context)
        {
            if (Guid.TryParse(context.GenericTokenPrincipal?.GetClaim(SessionIdClaim), out var sessionId))
            {
                await sessions.Get(sessionId).RevokeAsync(SessionEndReason.Logout);
                return;
            }

            await new OpenIddict.Server.OpenIddictServerHandlers.Revocation.RevokeToken(tokenManager).HandleAsync(context);
        }
    }

    /// <summary>
    /// A JWT access token (a client validating offline) is checked by OpenIddict's signature and
    /// lifetime rules; here, at the provider's own endpoints, its session must also still be live —
    /// so user info and the like refuse it the moment the session ends, as for a grid token.
    /// </summary>
    internal sealed class RequireLiveSession(SessionGrains sessions) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RequireLiveSession>()
            .SetOrder(ValidateExpirationDate.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.Principal is not { } principal
                || principal.GetTokenType() != TokenTypeIdentifiers.AccessToken
                || context.Token.StartsWith(SessionToken.AccessPrefix, StringComparison.Ordinal))
            {
                return;
            }

            if (!Guid.TryParse(principal.GetClaim(SessionIdClaim), out var sessionId)
                || await SafeRetry.ReadAsync(sessions.Get(sessionId), static s => s.GetViewAsync(), context.CancellationToken) is null)
            {
                context.Reject(OidcErrors.InvalidToken, "The token is not active.");
            }
        }
    }

    /// <summary>
    /// RFC 6749 §4.1.2: an authorization code presented a second time is refused (OpenIddict's
    /// token-entry check) and what it issued is revoked — here, the grid session its first
    /// redemption started, so the tokens a thief or a leaked log got are dead too.
    /// </summary>
    internal sealed class EndSessionOfReplayedCode(IGrainFactory grains, SessionGrains sessions) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<EndSessionOfReplayedCode>()
            .SetOrder(ValidateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.Principal?.GetTokenType() is not (TokenTypeIdentifiers.Private.AuthorizationCode or TokenTypeIdentifiers.Private.DeviceCode)
                || !Guid.TryParse(context.TokenId ?? context.Principal.GetTokenId(), out var entryId))
            {
                return;
            }

            if (await grains.GetGrain<Identity.Grains.OAuth.IOAuthTokenGrain>(entryId).GetAsync() is { Status: Statuses.Redeemed, StartedSessionId: { } sessionId })
            {
                await sessions.Get(sessionId).RevokeAsync(SessionEndReason.AuthorizationCodeReused);
            }
        }
    }
}
